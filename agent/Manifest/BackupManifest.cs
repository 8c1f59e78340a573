namespace VolumeAgent.Manifest;

/// <summary>
/// manifest.json of one backup set (see docs/manifest.md). Written last: its presence marks the set as
/// complete. Members marked <c>required</c> must be present when reading; unknown properties are ignored
/// so an older agent can still list sets written by a newer one.
/// </summary>
internal sealed record BackupManifest
{
    public const int CurrentFormatVersion = 1;

    public required int FormatVersion { get; init; }

    public required string Job { get; init; }

    public required RunId RunId { get; init; }

    public required ManifestTrigger Trigger { get; init; }

    /// <summary>The tag the run was asked with (the HTTP API's <c>tag</c>); absent when it had none.</summary>
    public string? Tag { get; init; }

    public required ManifestStatus Status { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    public required string AgentVersion { get; init; }

    public string? Host { get; init; }

    /// <summary>The Swarm node whose agent wrote the set (its name in storage); absent on a single host.</summary>
    public string? Node { get; init; }

    /// <summary>Why the run as a whole failed (an artifact's own failure is on the artifact).</summary>
    public string? Error { get; init; }

    public required IReadOnlyList<ManifestArtifact> Artifacts { get; init; }

    public ManifestVerification? Verification { get; init; }

    /// <summary>The job's storages and which of them hold the set; absent in sets written before it was recorded.</summary>
    public IReadOnlyList<ManifestStorage>? Storages { get; init; }
}
