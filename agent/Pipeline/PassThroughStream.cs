namespace VolumeAgent.Pipeline;

/// <summary>The "none" format: bytes go to the output unchanged.</summary>
internal sealed class PassThroughStream : CompressingStream
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private bool _closed;
    private bool _disposed;

    public PassThroughStream(Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _leaveOpen = leaveOpen;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfClosed();
        _output.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        return _output.WriteAsync(buffer, cancellationToken);
    }

    public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        await _output.FlushAsync(cancellationToken);
        _closed = true;
    }

    public override void Abort() => _closed = true;

    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _output.Flush();
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _output.FlushAsync(cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            _closed = true;
            if (!_leaveOpen)
            {
                _output.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void ThrowIfClosed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_closed)
        {
            throw new InvalidOperationException("The stream is already complete or abandoned; nothing more can be written.");
        }
    }
}
