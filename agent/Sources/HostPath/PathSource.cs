using VolumeAgent.Policy;

namespace VolumeAgent.Sources.HostPath;

/// <summary>A directory on the Docker host, archived by a helper container that bind-mounts it read-only.</summary>
internal sealed record PathSource : SourceOptions
{
    /// <summary>Absolute path on the host (not inside the agent container).</summary>
    public required string Path { get; init; }

    /// <summary>tar exclude patterns, relative to <see cref="Path"/>.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    public override string Kind => PathKind.Name;

    protected override string DefaultArtifactName => "path-" + ArtifactNames.Sanitize(Path, "root");

    public override string Describe() => "path " + Path + SourceText.Exclude(Exclude);
}
