using VolumeAgent.Manifest;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore.Verification;

/// <summary>The outcome of checking one backup set: what was checked, what failed, and whether it was recorded in the manifest.</summary>
internal sealed record VerificationResult
{
    public required string Storage { get; init; }

    /// <summary>job/directory of the set.</summary>
    public required string SetName { get; init; }

    public required ManifestVerificationKind Kind { get; init; }

    public required ManifestStatus Status { get; init; }

    public required DateTimeOffset VerifiedAt { get; init; }

    /// <summary>One line per artifact, checks first, then the drill's, in the set's order.</summary>
    public required IReadOnlyList<ArtifactOutcome> Artifacts { get; init; }

    /// <summary>Problems of the set as a whole (SHA256SUMS missing or not matching the manifest).</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>The summary written to the manifest's verification.details.</summary>
    public required string Details { get; init; }

    /// <summary>Why the result could not be written to the manifest; null when it was (or was not asked to be).</summary>
    public string? RecordError { get; init; }

    public bool Succeeded => Status == ManifestStatus.Succeeded;
}
