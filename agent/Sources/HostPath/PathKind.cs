using VolumeAgent.Docker.Models;
using VolumeAgent.Policy;
using VolumeAgent.Sources.Shared.Archives;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources.HostPath;

/// <summary><c>path: /ABSOLUTE</c>: a directory on the Docker host, archived by a helper that bind-mounts it read-only.</summary>
internal sealed class PathKind : ArchiveKind
{
    public const string Name = "path";

    public static readonly ManifestSourceKind Path = new(Name);

    public override string Key => Name;

    public override ManifestSourceKind ManifestKind => Path;

    public override SourceOptions? Read(NodeReader reader, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var hostPath = reader.AbsolutePath(map, Name, required: true);
        var exclude = ReadExclude(reader, map);
        return hostPath is null ? null : new PathSource { Path = hostPath, Exclude = exclude };
    }

    public override IBackupSource CreateSource(SourceContext context, SourceOptions options)
    {
        var path = (PathSource)options;
        return new ArchiveSource(context, Path, "bind", path.Path, path.ArtifactName, path.Exclude);
    }

    public override (MountSpec Target, string Name) RestoreTargetOf(ManifestArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return (VolumeRestorer.HostPath(artifact.SourceName), $"host directory {artifact.SourceName}");
    }
}
