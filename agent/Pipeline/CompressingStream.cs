namespace VolumeAgent.Pipeline;

/// <summary>
/// A write-only compressing stream. <see cref="CompleteAsync"/> writes the end of the compressed data;
/// <see cref="Abort"/> abandons it so that disposing writes nothing more to the output (used after a failure,
/// when the partial output is discarded anyway). Disposing a stream that was neither completed nor aborted
/// completes it, as other .NET compression streams do.
/// </summary>
internal abstract class CompressingStream : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public abstract ValueTask CompleteAsync(CancellationToken cancellationToken);

    public abstract void Abort();

    public abstract override void Write(ReadOnlySpan<byte> buffer);

    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override void WriteByte(byte value) => Write([value]);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
