namespace VolumeAgent.Tests.Docker;

/// <summary>Serves its bytes in reads no longer than the sizes given, as a socket may.</summary>
internal sealed class ChunkedReadStream : Stream
{
    private readonly byte[] _data;
    private readonly int[] _readSizes;
    private int _position;
    private int _readIndex;

    public ChunkedReadStream(byte[] data, params int[] readSizes)
    {
        _data = data;
        _readSizes = readSizes.Length == 0 ? [int.MaxValue] : readSizes;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _data.Length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var limit = _readSizes[_readIndex++ % _readSizes.Length];
        var n = Math.Min(Math.Min(count, limit), _data.Length - _position);
        Array.Copy(_data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var limit = _readSizes[_readIndex++ % _readSizes.Length];
        var n = Math.Min(Math.Min(buffer.Length, limit), _data.Length - _position);
        _data.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return ValueTask.FromResult(n);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
