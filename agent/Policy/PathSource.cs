namespace VolumeAgent.Policy;

/// <summary>A directory on the Docker host, archived by a helper container that bind-mounts it read-only.</summary>
internal sealed record PathSource : SourceOptions
{
    /// <summary>Absolute path on the host (not inside the agent container).</summary>
    public required string Path { get; init; }

    /// <summary>tar exclude patterns, relative to <see cref="Path"/>.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    public override SourceKind Kind => SourceKind.Path;

    protected override string DefaultArtifactName => "path-" + ArtifactNames.Sanitize(Path, "root");

    public override string Describe() => "path " + Path + SourceText.Exclude(Exclude);
}
