using VolumeAgent.Docker;
using VolumeAgent.IO;
using VolumeAgent.Pipeline.Tar;

namespace VolumeAgent.Sources.Shared.Helpers;

/// <summary>
/// A volume or directory read through the engine's archive API (<c>GET /containers/{id}/archive</c>) from a helper
/// that is created with the mount but never started: the engine writes the tar itself, so no process runs in the
/// helper and no byte passes through a container's stdout. The tar is parsed on the way through: exclusions applied,
/// a tree digest recorded for restore drills, and whole only when it ends with tar's end-of-archive marker.
/// </summary>
internal sealed class HelperArchiveProducer : IArtifactProducer
{
    private readonly SourceContext _context;
    private readonly HelperSpec _spec;
    private readonly string _path;
    private readonly IReadOnlyList<string> _exclude;
    private string? _helperId;
    private TarFilterStream? _tar;

    /// <param name="path">The directory to archive inside the helper; its contents become the archive's "./" tree.</param>
    public HelperArchiveProducer(SourceContext context, ArtifactDescriptor descriptor, HelperSpec spec, string path, IReadOnlyList<string> exclude)
    {
        _context = context;
        Descriptor = descriptor;
        _spec = spec;
        _path = path;
        _exclude = exclude;
    }

    public ArtifactDescriptor Descriptor { get; }

    public ArtifactFacts Facts { get; private set; } = ArtifactFacts.None;

    public string Subject => $"the engine's archive of {Descriptor.SourceName}";

    public Task<string?> DiagnoseStallAsync(CancellationToken cancellationToken) =>
        Task.FromResult<string?>("the engine reads the files itself: is the volume or directory on a mount that stopped answering?");

    /// <summary>
    /// Creates the helper now (else <see cref="OpenAsync"/> does), so what its creation says (a volume that is not
    /// there, an image that cannot be had) fails the source while it is planned, before any storage is written to.
    /// </summary>
    public async Task CreateHelperAsync(CancellationToken cancellationToken) =>
        _helperId ??= await HelperContainer.CreateAsync(_context.Docker, _spec, attach: false, cancellationToken);

    public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        await CreateHelperAsync(cancellationToken);
        Stream archive;
        try
        {
            // "DIR/." makes the engine name the entries "./…", as `tar cf - -C DIR .` does.
            archive = await _context.Docker.Containers.GetArchiveAsync(_helperId!, _path.TrimEnd('/') + "/.", cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new ArtifactFailedException($"The engine could not read {Descriptor.SourceName} to {_spec.Purpose}: {ex.EngineMessage ?? ex.Message}", ex);
        }

        // The engine's socket is drained ahead of the tar parsing and hashing, so the engine keeps writing meanwhile.
        _tar = new TarFilterStream(new ReadAheadStream(archive), _exclude);
        return _tar;
    }

    public Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_tar is not { IsComplete: true })
        {
            throw new ArtifactFailedException(
                $"The archive of {Descriptor.SourceName} from the engine at {_context.Docker.Endpoint.Display} ended before tar's end-of-archive marker: the engine stopped reading it part way (was it stopped or restarted? see the engine's log, e.g. `journalctl -u docker`).");
        }

        if (_tar.OrphanedHardLinks.Count > 0)
        {
            _context.Log.ForEvent(LogEvents.HardLinksLeftOut).Warning(
                "{Count} hard link(s) in {Source} point at excluded files and were left out, e.g. {Example}",
                _tar.OrphanedHardLinks.Count,
                Descriptor.SourceName,
                _tar.OrphanedHardLinks[0]);
        }

        Facts = new ArtifactFacts(_tar.Entries.Count, _tar.TreeDigest);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_tar is not null)
        {
            await _tar.DisposeAsync();
        }

        if (_helperId is not null)
        {
            await HelperContainer.RemoveQuietlyAsync(_context.Docker, _helperId, _context.Log);
        }
    }
}
