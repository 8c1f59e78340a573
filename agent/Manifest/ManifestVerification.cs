namespace VolumeAgent.Manifest;

/// <summary>The latest check of a set after it was written: a checksum verify or a restore drill.</summary>
internal sealed record ManifestVerification
{
    public required DateTimeOffset VerifiedAt { get; init; }

    public required ManifestVerificationKind Kind { get; init; }

    public required ManifestStatus Status { get; init; }

    public string? Details { get; init; }
}
