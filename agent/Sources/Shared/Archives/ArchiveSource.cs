using VolumeAgent.Manifest;
using VolumeAgent.Storage;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Sources.Shared.Helpers;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>
/// A named volume or a host directory, mounted read-only into a helper container that is never started; the engine's
/// archive API reads it (see <see cref="HelperArchiveProducer"/>).
/// </summary>
internal sealed class ArchiveSource : IBackupSource, IFileTreeSource
{
    private const string MountPoint = "/data";
    private readonly SourceContext _context;
    private readonly string _artifactName;
    private readonly IReadOnlyList<string> _exclude;

    private readonly string _mountType;
    private Task? _leftBehind;

    /// <param name="mountType">How the helper mounts <paramref name="target"/>: <c>volume</c> (a named volume) or <c>bind</c> (a host path).</param>
    public ArchiveSource(SourceContext context, ManifestSourceKind kind, string mountType, string target, string artifactName, IReadOnlyList<string> exclude)
    {
        if (mountType is not ("volume" or "bind"))
        {
            throw new ArgumentOutOfRangeException(nameof(mountType), mountType, "An archive source mounts a volume or binds a path.");
        }

        _context = context;
        Kind = kind;
        _mountType = mountType;
        Target = target;
        _artifactName = artifactName;
        _exclude = exclude;
    }

    public ManifestSourceKind Kind { get; }

    public string Target { get; }

    public ManifestArtifactFormat Format => ArchiveKind.Tar;

    public string DisplayName => $"{Kind} {Target}";

    public string ArtifactName => _artifactName;

    /// <summary>The tree mounted read-only at <see cref="VolumeRestorer.MountPoint"/>, where its restore mounts the target too.</summary>
    public async Task<FileTreeSource> PlanTreeAsync(CancellationToken cancellationToken)
    {
        await SkipIfLeftBehindAsync(cancellationToken);
        return new FileTreeSource(
            // Must exist, as for the tar: the storage's helper's creation fails for a missing volume, never makes one.
            new MountSpec { Type = _mountType, Source = Target, Target = VolumeRestorer.MountPoint, ReadOnly = true, MustExist = true },
            $"{Kind}:{Target}",
            _exclude);
    }

    public async Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken)
    {
        await SkipIfLeftBehindAsync(cancellationToken);
        var descriptor = new ArtifactDescriptor
        {
            BaseFileName = _artifactName + ".tar",
            Kind = Kind,
            SourceName = Target,
            Format = ArchiveKind.Tar,
            Image = _context.HelperImage,
        };
        var spec = new HelperSpec
        {
            Image = _context.HelperImage,
            // Never run: the engine reads the mount through its archive API. A container needs a command all the same.
            Command = ["true"],
            // A volume must exist: the engine would create a missing one, and an empty new volume is no backup of a typo.
            Mounts = [new MountSpec { Type = _mountType, Source = Target, Target = MountPoint, ReadOnly = true, MustExist = true }],
            Labels = _context.HelperLabels(),
            Purpose = $"archive {DisplayName}",
        };
        var producer = new HelperArchiveProducer(_context, descriptor, spec, MountPoint, _exclude);
        try
        {
            // A missing volume is learnt from the helper's creation (no volume call, see MountSpec.MustExist).
            await producer.CreateHelperAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            await producer.DisposeAsync();
            if (ex is ArtifactFailedException { InnerException: MissingVolumeException } && _context.Containers.Node is { } node)
            {
                throw new Swarm.NotOnThisNodeException(
                    $"Volume '{Target}' is not on this node ({node.Name}): a stack's volume exists on the nodes that ran its tasks, and their agents back it up. "
                    + "If no node has it, check the name with `docker volume ls` on each node (a stack prefixes volumes with its name, e.g. mystack_data).",
                    ex);
            }

            throw;
        }

        return [producer];
    }

    /// <summary>
    /// On a Swarm node, a stack's volume that a moved task left here is the new node's to back up (<see cref="Swarm.LeftBehindVolumes"/>).
    /// Asked once per run: a job writing to a restic storage and a plain one plans the tree and the tar of one source.
    /// </summary>
    private Task SkipIfLeftBehindAsync(CancellationToken cancellationToken) =>
        _leftBehind ??= _mountType == "volume" && _context.Containers.Node is { } node
            ? Swarm.LeftBehindVolumes.SkipIfLeftBehindAsync(_context.Docker, node, Target, Kind, _context.LeftBehind, _context.Log, cancellationToken)
            : Task.CompletedTask;
}
