using VolumeAgent.Manifest;
using VolumeAgent.Storage;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Sources;

/// <summary>
/// A named volume or a host directory, mounted read-only into a helper container that is never started; the engine's
/// archive API reads it (see <see cref="HelperArchiveProducer"/>).
/// </summary>
internal sealed class ArchiveSource : IBackupSource
{
    private const string MountPoint = "/data";
    private readonly SourceContext _context;
    private readonly string _artifactName;
    private readonly IReadOnlyList<string> _exclude;

    public ArchiveSource(SourceContext context, ManifestSourceKind kind, string target, string artifactName, IReadOnlyList<string> exclude)
    {
        if (kind is not (ManifestSourceKind.Volume or ManifestSourceKind.Path))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "An archive source is a volume or a path.");
        }

        _context = context;
        Kind = kind;
        Target = target;
        _artifactName = artifactName;
        _exclude = exclude;
    }

    public ManifestSourceKind Kind { get; }

    public string Target { get; }

    public string DisplayName => Kind == ManifestSourceKind.Volume ? $"volume {Target}" : $"path {Target}";

    public async Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken)
    {
        if (Kind == ManifestSourceKind.Volume && await _context.Docker.Volumes.TryInspectAsync(Target, cancellationToken) is null)
        {
            throw new ArtifactFailedException(
                $"Volume '{Target}' does not exist on this engine. Check the name with `docker volume ls` (compose prefixes volumes with the project name, e.g. myapp_{Target}).");
        }

        var descriptor = new ArtifactDescriptor
        {
            BaseFileName = _artifactName + ".tar",
            Kind = Kind,
            SourceName = Target,
            Format = ManifestArtifactFormat.Tar,
            Image = _context.HelperImage,
        };
        var spec = new HelperSpec
        {
            Image = _context.HelperImage,
            // Never run: the engine reads the mount through its archive API. A container needs a command all the same.
            Command = ["true"],
            Mounts = [new MountSpec { Type = Kind == ManifestSourceKind.Volume ? "volume" : "bind", Source = Target, Target = MountPoint, ReadOnly = true }],
            Labels = _context.HelperLabels(),
            Purpose = $"archive {DisplayName}",
        };
        return [new HelperArchiveProducer(_context, descriptor, spec, MountPoint, _exclude)];
    }
}
