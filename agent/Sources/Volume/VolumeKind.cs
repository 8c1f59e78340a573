using VolumeAgent.Docker.Models;
using VolumeAgent.Policy;
using VolumeAgent.Sources.Shared.Archives;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources.Volume;

/// <summary><c>volume: NAME</c>: a named Docker volume, archived by a helper that mounts it read-only.</summary>
internal sealed class VolumeKind : ArchiveKind
{
    public const string Name = "volume";

    public static readonly ManifestSourceKind Volume = new(Name);

    public override string Key => Name;

    public override ManifestSourceKind ManifestKind => Volume;

    public override SourceOptions? Read(NodeReader reader, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var volume = reader.Name(map, Name, "volume", required: true);
        var exclude = ReadExclude(reader, map);
        return volume is null ? null : new VolumeSource { Volume = volume, Exclude = exclude };
    }

    public override IBackupSource CreateSource(SourceContext context, SourceOptions options)
    {
        var volume = (VolumeSource)options;
        return new ArchiveSource(context, Volume, "volume", volume.Volume, volume.ArtifactName, volume.Exclude);
    }

    public override (MountSpec Target, string Name) RestoreTargetOf(ManifestArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return (VolumeRestorer.Volume(artifact.SourceName), $"volume {artifact.SourceName}");
    }
}
