using VolumeAgent.IO;

namespace VolumeAgent.Runs;

/// <summary>Writes every byte to each of several streams (one per storage of the job), in order.</summary>
internal sealed class FanOutStream : WriteOnlyStream
{
    private readonly IReadOnlyList<Stream> _targets;

    public FanOutStream(IReadOnlyList<Stream> targets) => _targets = targets;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        foreach (var target in _targets)
        {
            await target.WriteAsync(buffer, cancellationToken);
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        foreach (var target in _targets)
        {
            target.Write(buffer);
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var target in _targets)
        {
            await target.FlushAsync(cancellationToken);
        }
    }

    public override void Flush()
    {
        foreach (var target in _targets)
        {
            target.Flush();
        }
    }
}
