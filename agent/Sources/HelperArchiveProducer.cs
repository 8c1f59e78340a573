using VolumeAgent.Pipeline.Tar;

namespace VolumeAgent.Sources;

/// <summary>Streams a helper's tar output; whole only when the helper exits 0.</summary>
internal sealed class HelperArchiveProducer : IArtifactProducer
{
    private readonly SourceContext _context;
    private readonly HelperSpec _spec;
    private readonly IReadOnlyList<string> _exclude;
    private HelperContainer? _helper;
    private TarFilterStream? _tar;

    public HelperArchiveProducer(SourceContext context, ArtifactDescriptor descriptor, HelperSpec spec, IReadOnlyList<string> exclude)
    {
        _context = context;
        Descriptor = descriptor;
        _spec = spec;
        _exclude = exclude;
    }

    public ArtifactDescriptor Descriptor { get; }

    public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        await _context.EnsureImageAsync(_spec.Image, cancellationToken);
        _helper = await HelperContainer.StartAsync(_context.Docker, _spec, cancellationToken);
        // Always parsed on the way through: exclusions, a tree digest for restore drills, and a tar that must end cleanly.
        _tar = new TarFilterStream(_helper.Output, _exclude, leaveOpen: true);
        return _tar;
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var helper = _helper ?? throw new InvalidOperationException("The archive was not opened.");
        var exit = await helper.WaitAsync(cancellationToken);
        if (exit != 0)
        {
            var stderr = helper.Stderr.ToString();
            throw new ArtifactFailedException(
                $"tar in the helper for {_spec.Purpose} exited with code {exit}: {(stderr.Length > 0 ? stderr : "no error output")}");
        }

        if (_tar is not { IsComplete: true })
        {
            throw new ArtifactFailedException($"The archive to {_spec.Purpose} ended before tar's end-of-archive marker.");
        }

        if (_tar.OrphanedHardLinks.Count > 0)
        {
            Serilog.Log.Warning(
                "{Count} hard link(s) to {Purpose} point at excluded files and were left out, e.g. {Example}",
                _tar.OrphanedHardLinks.Count,
                _spec.Purpose,
                _tar.OrphanedHardLinks[0]);
        }

        Facts = new ArtifactFacts(_tar.Entries.Count, _tar.TreeDigest);
    }

    public ArtifactFacts Facts { get; private set; } = ArtifactFacts.None;

    public async ValueTask DisposeAsync()
    {
        if (_tar is not null)
        {
            await _tar.DisposeAsync();
        }

        if (_helper is not null)
        {
            await _helper.DisposeAsync();
        }
    }
}
