using VolumeAgent.Manifest;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources;

/// <summary>What an artifact is, for its file name and the manifest.</summary>
internal sealed record ArtifactDescriptor
{
    /// <summary>The file name before the compression suffix, e.g. <c>volume-uploads.tar</c>.</summary>
    public required string BaseFileName { get; init; }

    public required ManifestSourceKind Kind { get; init; }

    /// <summary>The source as backup.yml names it (volume, path, container or service).</summary>
    public required string SourceName { get; init; }

    public required ManifestArtifactFormat Format { get; init; }

    public string? Database { get; init; }

    public string? Container { get; init; }

    public string? Image { get; init; }

    public string? ToolVersion { get; init; }
}
