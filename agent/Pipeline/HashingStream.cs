using System.Security.Cryptography;
using VolumeAgent.IO;

namespace VolumeAgent.Pipeline;

/// <summary>A write-through stream that hashes (SHA-256) and counts every byte on its way to the inner stream.</summary>
internal sealed class HashingStream : WriteOnlyStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _bytesWritten;
    private string? _sha256Hex;
    private bool _disposed;

    public HashingStream(Stream inner, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!inner.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(inner));
        }

        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    public long BytesWritten => _bytesWritten;

    public override bool CanWrite => !_disposed && _sha256Hex is null;

    /// <summary>Ends hashing and returns the lowercase hex SHA-256 of everything written; later writes are refused.</summary>
    public string FinishHash()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _sha256Hex ??= Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfNotWritable();
        _hash.AppendData(buffer);
        _bytesWritten += buffer.Length;
        _inner.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNotWritable();
        _hash.AppendData(buffer.Span);
        _bytesWritten += buffer.Length;
        return _inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            _hash.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void ThrowIfNotWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_sha256Hex is not null)
        {
            throw new InvalidOperationException("The hash is already finished; nothing more can be written.");
        }
    }
}
