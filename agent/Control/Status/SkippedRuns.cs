namespace VolumeAgent.Control.Status;

/// <summary>Scheduled runs of a job that did not start because a run of it was still going, since the daemon started.</summary>
internal sealed record SkippedRuns
{
    public required int Count { get; init; }

    /// <summary>The scheduled time of the last one skipped.</summary>
    public required DateTimeOffset LastAt { get; init; }
}
