using VolumeAgent.Docker.Models;
using VolumeAgent.Policy;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>
/// What the file-tree kinds (a volume, a host path) share: a tar archive read through the engine's archive API while
/// stop_containers are down, checked entry by entry, restored into a volume or directory, drilled into a scratch volume.
/// A kind says how its target is mounted and read from backup.yml.
/// </summary>
internal abstract class ArchiveKind : ISourceKind
{
    public static readonly ManifestArtifactFormat Tar = new("tar");

    /// <summary>A tree a storage keeps itself (a restic snapshot), recorded with the artifact's <c>snapshot</c>.</summary>
    public static readonly ManifestArtifactFormat FileTree = new("file_tree");

    public abstract string Key { get; }

    public IReadOnlyList<string> OptionKeys { get; } = ["exclude"];

    public SourcePhase Phase => SourcePhase.Files;

    public IReadOnlyList<ManifestSourceKind> ManifestKinds => [ManifestKind];

    public IReadOnlyList<ManifestArtifactFormat> Formats { get; } = [Tar, FileTree];

    public IArtifactVerifier Verifier { get; } = new ArchiveVerifier();

    public ISourceDrill Drill { get; } = new ArchiveDrill();

    public abstract ManifestSourceKind ManifestKind { get; }

    public abstract SourceOptions? Read(NodeReader reader, MapNode map);

    public abstract IBackupSource CreateSource(SourceContext context, SourceOptions options);

    public IRestorePlanner StartRestore(RestorePlanning planning) => new ArchiveRestorePlanner(planning, this);

    public RestoreTraits TraitsOf(ManifestArtifact artifact) => new(Archive: true, DatabaseDump: false, ServerKind: null);

    /// <summary>Where an artifact goes back to without --to-volume, as a mount of a helper, and its name in messages.</summary>
    public abstract (MountSpec Target, string Name) RestoreTargetOf(ManifestArtifact artifact);

    /// <summary>tar exclude patterns of a source, relative to its root.</summary>
    protected static IReadOnlyList<string> ReadExclude(NodeReader reader, MapNode map) =>
        reader.TextList(map, "exclude", "[\"cache/*\", \"*.tmp\"]") ?? [];
}
