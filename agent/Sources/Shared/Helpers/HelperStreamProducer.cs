using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Shared.Helpers;

/// <summary>Streams a helper's stdout as the artifact; whole only when the helper exits 0.</summary>
internal sealed class HelperStreamProducer : IArtifactProducer
{
    private readonly SourceContext _context;
    private readonly HelperSpec _spec;
    private HelperContainer? _helper;

    public HelperStreamProducer(SourceContext context, ArtifactDescriptor descriptor, HelperSpec spec)
    {
        _context = context;
        Descriptor = descriptor;
        _spec = spec;
    }

    public ArtifactDescriptor Descriptor { get; }

    public string Subject => $"the helper to {_spec.Purpose} (image {_spec.Image})";

    public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        _helper = await HelperContainer.StartAsync(_context.Docker, _spec, _context.Log, cancellationToken);
        return _helper.Output;
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var helper = _helper ?? throw new InvalidOperationException("The helper was not started.");
        var exit = await helper.WaitAsync(cancellationToken);
        if (exit != 0)
        {
            var stderr = helper.Stderr.ToString();
            // The shell's "command not found": the image lacks a tool the helper runs.
            var hint = exit == ExecDumpProducer.CommandNotFoundExit ? $" The image {_spec.Image} lacks a program this helper needs: name an image that has it." : string.Empty;
            throw new ArtifactFailedException(
                $"The helper to {_spec.Purpose} (image {_spec.Image}) exited with code {exit}: {(stderr.Length > 0 ? stderr : "no error output")}.{hint}");
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
