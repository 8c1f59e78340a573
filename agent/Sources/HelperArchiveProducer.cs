namespace VolumeAgent.Sources;

/// <summary>Streams a helper's tar output; whole only when the helper exits 0.</summary>
internal sealed class HelperArchiveProducer : IArtifactProducer
{
    private readonly SourceContext _context;
    private readonly HelperSpec _spec;
    private readonly IReadOnlyList<string> _exclude;
    private HelperContainer? _helper;

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
        await _context.EnsureHelperImageAsync(cancellationToken);
        _helper = await HelperContainer.StartAsync(_context.Docker, _spec, cancellationToken);
        return TarStreams.Filter(_helper.Output, _exclude);
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
    }

    public async ValueTask DisposeAsync()
    {
        if (_helper is not null)
        {
            await _helper.DisposeAsync();
        }
    }
}
