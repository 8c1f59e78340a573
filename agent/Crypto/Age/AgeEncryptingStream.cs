using System.Buffers;
using System.Security.Cryptography;
using VolumeAgent.IO;

namespace VolumeAgent.Crypto.Age;

/// <summary>
/// Writes an age file to the output as plaintext arrives: the header and payload nonce first, then each 64 KiB
/// chunk once the next byte shows it is not the last. At most one chunk is held. <see cref="CompleteAsync"/> seals
/// the final chunk; disposing without completing leaves the output without one, so a reader refuses it as cut off.
/// </summary>
internal sealed class AgeEncryptingStream : WriteOnlyStream
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly byte[] _header;
    private readonly AgePayload _payload;
    private readonly byte[] _chunk = ArrayPool<byte>.Shared.Rent(AgePayload.ChunkSize);
    private readonly byte[] _sealed = ArrayPool<byte>.Shared.Rent(AgePayload.SealedChunkSize);
    private int _filled;
    private bool _started;
    private bool _completed;
    private bool _disposed;

    public AgeEncryptingStream(Stream output, IReadOnlyList<IAgeRecipient> recipients, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(recipients);
        if (recipients.Count == 0)
        {
            throw new ArgumentException("An age file needs at least one recipient.", nameof(recipients));
        }

        if (recipients.Count > 1 && recipients.Any(r => r is ScryptRecipient))
        {
            throw new ArgumentException("A passphrase (scrypt) recipient must be an age file's only recipient.", nameof(recipients));
        }

        _output = output;
        _leaveOpen = leaveOpen;
        var fileKey = RandomNumberGenerator.GetBytes(AgePrimitives.FileKeySize);
        var nonce = RandomNumberGenerator.GetBytes(AgePayload.NonceSize);
        try
        {
            _header = [.. AgeHeader.Write([.. recipients.Select(r => r.Wrap(fileKey))], fileKey), .. nonce];
            _payload = new AgePayload(fileKey, nonce);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    public override bool CanWrite => !_disposed && !_completed;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfNotWritable();
        while (buffer.Length > 0)
        {
            if (_filled == AgePayload.ChunkSize)
            {
                _output.Write(SealChunk(last: false).Span);
            }

            var take = Math.Min(buffer.Length, AgePayload.ChunkSize - _filled);
            buffer[..take].CopyTo(_chunk.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfNotWritable();
        while (buffer.Length > 0)
        {
            if (_filled == AgePayload.ChunkSize)
            {
                await _output.WriteAsync(SealChunk(last: false), cancellationToken);
            }

            var take = Math.Min(buffer.Length, AgePayload.ChunkSize - _filled);
            buffer.Span[..take].CopyTo(_chunk.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    /// <summary>Seals the final chunk (empty only when nothing was written) and flushes the output.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotWritable();
        await _output.WriteAsync(SealChunk(last: true), cancellationToken);
        _completed = true;
        await _output.FlushAsync(cancellationToken);
    }

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            _payload.Dispose();
            CryptographicOperations.ZeroMemory(_chunk);
            ArrayPool<byte>.Shared.Return(_chunk);
            ArrayPool<byte>.Shared.Return(_sealed);
            if (!_leaveOpen)
            {
                _output.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>The sealed chunk, preceded by the header and nonce the first time.</summary>
    private ReadOnlyMemory<byte> SealChunk(bool last)
    {
        if (!_started)
        {
            // The header goes out with the first chunk, so one write carries both.
            _started = true;
            var first = new byte[_header.Length + _filled + AgePrimitives.TagSize];
            _header.CopyTo(first, 0);
            _payload.Seal(_chunk.AsSpan(0, _filled), last, first.AsSpan(_header.Length));
            _filled = 0;
            return first;
        }

        _payload.Seal(_chunk.AsSpan(0, _filled), last, _sealed);
        var length = _filled + AgePrimitives.TagSize;
        _filled = 0;
        return _sealed.AsMemory(0, length);
    }

    private void ThrowIfNotWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The age file is already complete; nothing more can be written.");
        }
    }
}
