using System.Buffers;
using System.Security.Cryptography;

namespace VolumeAgent.Restore.Verification;

/// <summary>
/// A read-through stream that hashes (SHA-256) and counts what passes, for checking a stored artifact while
/// it is being read for some other purpose: no second read, no temporary copy.
/// </summary>
internal sealed class HashingReadStream : Stream
{
    private const int DrainBufferSize = 128 * 1024;
    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? _sha256Hex;
    private bool _disposed;

    public HashingReadStream(Stream inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    public long BytesRead { get; private set; }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    /// <summary>Reads whatever is left (a consumer may stop before the end) and returns the hash of every byte.</summary>
    public async Task<string> FinishAsync(CancellationToken cancellationToken)
    {
        if (_sha256Hex is not null)
        {
            return _sha256Hex;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(DrainBufferSize);
        try
        {
            while (await ReadAsync(buffer.AsMemory(0, DrainBufferSize), cancellationToken) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _sha256Hex = Convert.ToHexStringLower(_hash.GetHashAndReset());
        return _sha256Hex;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_sha256Hex is not null)
        {
            return 0;
        }

        var read = await _inner.ReadAsync(buffer, cancellationToken);
        _hash.AppendData(buffer.Span[..read]);
        BytesRead += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_sha256Hex is not null)
        {
            return 0;
        }

        var read = _inner.Read(buffer);
        _hash.AppendData(buffer[..read]);
        BytesRead += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _hash.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _hash.Dispose();
            await _inner.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
