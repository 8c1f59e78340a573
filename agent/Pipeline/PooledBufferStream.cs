using System.Buffers;

namespace VolumeAgent.Pipeline;

/// <summary>A write-only in-memory stream over a buffer rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
internal sealed class PooledBufferStream : Stream
{
    private byte[]? _buffer;
    private int _length;

    public PooledBufferStream(int initialCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public ReadOnlyMemory<byte> WrittenMemory => Buffer.AsMemory(0, _length);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => _buffer is not null;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PooledBufferStream));

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var current = Buffer;
        if (current.Length - _length < buffer.Length)
        {
            var needed = checked(_length + buffer.Length);
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, current.Length * 2));
            current.AsSpan(0, _length).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(current);
            _buffer = current = grown;
        }

        buffer.CopyTo(current.AsSpan(_length));
        _length += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer is { } buffer)
        {
            _buffer = null;
            _length = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }

        base.Dispose(disposing);
    }
}
