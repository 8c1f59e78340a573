namespace VolumeAgent.Manifest;

/// <summary>
/// One storage the run wrote its set to, and whether the set is complete there: the manifest in every storage says
/// which storages hold the set, so a gap can be seen (and <c>sync</c>ed) from any of them.
/// </summary>
internal sealed record ManifestStorage
{
    /// <summary>The storage's name in backup.yml.</summary>
    public required string Name { get; init; }

    /// <summary><c>succeeded</c>: the set is complete there (as of the run, or of the <c>sync</c> that copied it); <c>failed</c>: it is not.</summary>
    public required ManifestStatus Status { get; init; }

    /// <summary>Why the storage did not get the set.</summary>
    public string? Error { get; init; }

    /// <summary>When <c>sync</c> copied the set there from another storage; absent for a set the run wrote itself.</summary>
    public DateTimeOffset? SyncedAt { get; init; }
}
