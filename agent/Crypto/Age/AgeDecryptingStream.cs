using System.Buffers;
using System.Security.Cryptography;
using VolumeAgent.IO;

namespace VolumeAgent.Crypto.Age;

/// <summary>
/// Reads an age file's plaintext as the file streams in: the header is read and its file key unwrapped by one of
/// the identities (<see cref="OpenAsync"/>), then each 64 KiB chunk is authenticated before any of it is returned.
/// A changed, reordered or cut-off file ends in <see cref="AgeFormatException"/>, never in wrong bytes.
/// </summary>
internal sealed class AgeDecryptingStream : ReadOnlyStream
{
    private const int MaxHeaderSize = 1024 * 1024;

    private readonly Stream _input;
    private readonly bool _leaveOpen;
    private readonly AgePayload _payload;
    private readonly byte[] _sealed = ArrayPool<byte>.Shared.Rent(AgePayload.SealedChunkSize + 1);
    private readonly byte[] _plain = ArrayPool<byte>.Shared.Rent(AgePayload.ChunkSize);
    private int _sealedFilled;
    private int _plainOffset;
    private int _plainLength;
    private bool _finished;
    private bool _disposed;

    private AgeDecryptingStream(Stream input, bool leaveOpen, AgePayload payload, ReadOnlySpan<byte> pending)
    {
        _input = input;
        _leaveOpen = leaveOpen;
        _payload = payload;
        pending.CopyTo(_sealed);
        _sealedFilled = pending.Length;
    }

    /// <summary>
    /// Reads the header and the payload nonce from <paramref name="input"/>. Throws <see cref="AgeNoIdentityException"/>
    /// when no identity opens the file, <see cref="AgeFormatException"/> when it is not a sound age file.
    /// </summary>
    public static async Task<AgeDecryptingStream> OpenAsync(
        Stream input, IReadOnlyList<IAgeIdentity> identities, CancellationToken cancellationToken, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(identities);
        var buffer = new byte[8192];
        var filled = 0;
        int end;
        while ((end = AgeHeader.FindEnd(buffer.AsSpan(0, filled))) < 0)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= MaxHeaderSize)
                {
                    throw new AgeFormatException("The age header is longer than 1 MiB; this is not an age file this agent wrote or reads.");
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await input.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                throw new AgeFormatException(filled == 0 ? "The file is empty, not an age file." : StartsLikeAge(buffer.AsSpan(0, filled))
                    ? "The age header is cut off."
                    : "The file is not an age file (binary format, age-encryption.org/v1); armored files are not read.");
            }

            filled += read;
        }

        var header = AgeHeader.Parse(buffer.AsSpan(0, end));
        var fileKey = Unwrap(header, identities);
        try
        {
            header.VerifyMac(fileKey);
            while (filled - end < AgePayload.NonceSize)
            {
                var read = await input.ReadAsync(buffer.AsMemory(filled, Math.Min(buffer.Length - filled, AgePayload.NonceSize)), cancellationToken);
                if (read == 0)
                {
                    throw new AgeFormatException("The age file ends before its payload nonce.");
                }

                filled += read;
            }

            var payload = new AgePayload(fileKey, buffer.AsSpan(end, AgePayload.NonceSize));
            return new AgeDecryptingStream(input, leaveOpen, payload, buffer.AsSpan(end + AgePayload.NonceSize, filled - end - AgePayload.NonceSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fileKey);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (_plainOffset == _plainLength)
        {
            if (_finished || buffer.Length == 0)
            {
                return 0;
            }

            await ReadChunkAsync(cancellationToken);
        }

        var count = Math.Min(buffer.Length, _plainLength - _plainOffset);
        _plain.AsMemory(_plainOffset, count).CopyTo(buffer);
        _plainOffset += count;
        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            _payload.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            ArrayPool<byte>.Shared.Return(_plain);
            ArrayPool<byte>.Shared.Return(_sealed);
            if (!_leaveOpen)
            {
                _input.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private static byte[] Unwrap(AgeHeader header, IReadOnlyList<IAgeIdentity> identities)
    {
        foreach (var identity in identities)
        {
            if (identity.Unwrap(header.Stanzas) is { Length: AgePrimitives.FileKeySize } fileKey)
            {
                return fileKey;
            }
        }

        var types = string.Join(", ", header.Stanzas.Select(s => s.Type).Distinct(StringComparer.Ordinal));
        var passphrase = header.Stanzas.Any(s => s.Type == ScryptRecipient.StanzaType);
        throw new AgeNoIdentityException(identities.Count == 0
            ? $"it is age-encrypted ({types}) and no identity was given"
            : passphrase
                ? "it is encrypted with a passphrase, and the passphrase given (if any) is not it"
                : $"none of the {identities.Count} identities given opens it (its header addresses {header.Stanzas.Count} recipient(s) of type {types})");
    }

    private static bool StartsLikeAge(ReadOnlySpan<byte> head) =>
        "age-encryption.org/"u8.StartsWith(head[..Math.Min(head.Length, 19)]);

    /// <summary>Reads one sealed chunk (and one byte past it, to know whether it is the last) and opens it.</summary>
    private async Task ReadChunkAsync(CancellationToken cancellationToken)
    {
        while (_sealedFilled < AgePayload.SealedChunkSize + 1)
        {
            var read = await _input.ReadAsync(_sealed.AsMemory(_sealedFilled, AgePayload.SealedChunkSize + 1 - _sealedFilled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            _sealedFilled += read;
        }

        var last = _sealedFilled <= AgePayload.SealedChunkSize;
        var length = last ? _sealedFilled : AgePayload.SealedChunkSize;
        var chunk = _payload.Counter;
        if (length < AgePrimitives.TagSize || (last && length == AgePrimitives.TagSize && chunk > 0))
        {
            throw new AgeFormatException($"The age payload is cut off after {chunk} chunk(s) of 64 KiB.");
        }

        if (!_payload.TryOpen(_sealed.AsSpan(0, length), last, _plain))
        {
            throw new AgeFormatException(last
                ? $"The age payload's chunk {chunk} does not authenticate as the final chunk: the file was changed, or cut off."
                : $"The age payload's chunk {chunk} does not authenticate: the file was changed or damaged.");
        }

        _plainOffset = 0;
        _plainLength = length - AgePrimitives.TagSize;
        if (last)
        {
            _finished = true;
            _sealedFilled = 0;
        }
        else
        {
            _sealed[0] = _sealed[AgePayload.SealedChunkSize];
            _sealedFilled = 1;
        }
    }
}
