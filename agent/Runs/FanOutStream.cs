namespace VolumeAgent.Runs;

/// <summary>Writes every byte to each of several streams (one per storage of the job), in order.</summary>
internal sealed class FanOutStream : Stream
{
    private readonly IReadOnlyList<Stream> _targets;

    public FanOutStream(IReadOnlyList<Stream> targets) => _targets = targets;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        foreach (var target in _targets)
        {
            await target.WriteAsync(buffer, cancellationToken);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        foreach (var target in _targets)
        {
            target.Write(buffer, offset, count);
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

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
