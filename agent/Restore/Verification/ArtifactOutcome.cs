namespace VolumeAgent.Restore.Verification;

/// <summary>How one artifact fared in a verify or drill: a line for people, and whether it passed.</summary>
/// <param name="Skipped">Not checked at all (the artifact failed when the backup ran, or its kind is not drilled).</param>
internal sealed record ArtifactOutcome(string File, bool Succeeded, string Detail, bool Skipped = false);
