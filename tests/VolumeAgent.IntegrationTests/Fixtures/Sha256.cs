using System.Buffers;
using System.Security.Cryptography;

namespace VolumeAgent.IntegrationTests.Fixtures;

internal static class Sha256
{
    private const int BufferSize = 128 * 1024;

    /// <summary>Hashes a stream to its end through a pooled buffer; returns lowercase hex and the byte count.</summary>
    public static async Task<(string Hex, long Length)> OfStreamAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long length = 0;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), length);
    }

    public static string Of(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
