namespace VolumeAgent.Restore;

/// <summary>A checked restore: every artifact read and found sound, every target looked at; nothing written yet.</summary>
internal sealed record RestorePlan
{
    public required StoredSet Set { get; init; }

    public required IReadOnlyList<IRestoreStep> Steps { get; init; }

    /// <summary>Artifacts of the set left out, and why (failed at backup time, not selected).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    public bool Overwrites => Steps.Any(s => s.Overwrites);

    /// <summary>What to back up before the restore, so it can be undone: the targets whose data the steps replace.</summary>
    public IReadOnlyList<Policy.SourceOptions> SafetyCopies =>
        [.. Steps.Where(s => s.Overwrites).Select(s => s.SafetyCopy).OfType<Policy.SourceOptions>().Distinct()];
}
