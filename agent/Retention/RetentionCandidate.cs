namespace VolumeAgent.Retention;

/// <summary>One backup set of a job as retention sees it.</summary>
/// <param name="Id">The set's name in storage, e.g. <c>20260329T013000Z-7f3a</c>; unique within the job.</param>
/// <param name="StartedAt">When the run started, from the manifest (or the set's name), never a file time.</param>
/// <param name="State">Whether the set counts as a good backup.</param>
internal sealed record RetentionCandidate(string Id, DateTimeOffset StartedAt, RetentionSetState State);
