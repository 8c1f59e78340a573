using System.Buffers.Binary;
using System.Security.Cryptography;

namespace VolumeAgent.Crypto.Age;

/// <summary>
/// The payload's STREAM construction: 64 KiB chunks sealed with ChaCha20-Poly1305 under the payload key, each
/// nonce an 11-byte big-endian counter and a last-chunk flag.
/// </summary>
internal sealed class AgePayload : IDisposable
{
    public const int ChunkSize = 64 * 1024;
    public const int SealedChunkSize = ChunkSize + AgePrimitives.TagSize;
    public const int NonceSize = 16;

    private readonly ChaCha20Poly1305 _aead;
    private readonly byte[] _nonce = new byte[12];
    private ulong _counter;

    public AgePayload(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> payloadNonce)
    {
        var key = AgePrimitives.Hkdf(fileKey, payloadNonce, "payload");
        _aead = new ChaCha20Poly1305(key);
        CryptographicOperations.ZeroMemory(key);
    }

    /// <summary>Chunks sealed or opened so far.</summary>
    public ulong Counter => _counter;

    /// <summary>Seals the next chunk into <paramref name="output"/> (plaintext length + 16 bytes).</summary>
    public void Seal(ReadOnlySpan<byte> chunk, bool last, Span<byte> output)
    {
        SetNonce(last);
        _aead.Encrypt(_nonce, chunk, output[..chunk.Length], output.Slice(chunk.Length, AgePrimitives.TagSize));
    }

    /// <summary>Opens the next chunk into <paramref name="output"/>; false when it does not authenticate.</summary>
    public bool TryOpen(ReadOnlySpan<byte> sealedChunk, bool last, Span<byte> output)
    {
        SetNonce(last);
        try
        {
            _aead.Decrypt(_nonce, sealedChunk[..^AgePrimitives.TagSize], sealedChunk[^AgePrimitives.TagSize..], output[..(sealedChunk.Length - AgePrimitives.TagSize)]);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose() => _aead.Dispose();

    private void SetNonce(bool last)
    {
        if (_counter >= (1UL << 63))
        {
            throw new AgeFormatException("The age payload has more chunks than the format allows.");
        }

        _nonce.AsSpan().Clear();
        BinaryPrimitives.WriteUInt64BigEndian(_nonce.AsSpan(3, 8), _counter++);
        _nonce[11] = last ? (byte)1 : (byte)0;
    }
}
