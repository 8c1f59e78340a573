namespace VolumeAgent.Restore;

/// <summary>How one artifact fared in a verify or drill: a line for people, and whether it passed.</summary>
internal sealed record ArtifactOutcome(string File, bool Succeeded, string Detail);
