using System.IO.Compression;
using VolumeAgent.Pipeline.Zstd;

namespace VolumeAgent.Pipeline;

internal static class Compressors
{
    /// <summary>
    /// A compressor for <paramref name="kind"/>. <paramref name="level"/> null means the format's default
    /// (gzip 6, zstd 3); gzip accepts 1-9, zstd 1-19 (20-22 need far more memory and are refused);
    /// <paramref name="threads"/> null means one per processor.
    /// </summary>
    public static ICompressor Create(CompressionKind kind, int? level = null, int? threads = null)
    {
        var workers = threads ?? Environment.ProcessorCount;
        if (workers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "Compression needs at least one thread.");
        }

        switch (kind)
        {
            case CompressionKind.Gzip:
                var gzipLevel = level ?? GzipCompressor.DefaultLevel;
                ThrowIfOutOfRange(gzipLevel, 1, 9, "gzip");
                return new GzipCompressor(gzipLevel, workers);
            case CompressionKind.Zstd:
                var zstdLevel = level ?? ZstdCompressor.DefaultLevel;
                ThrowIfOutOfRange(zstdLevel, 1, 19, "zstd");
                ZstdLibrary.EnsureAvailable();
                return new ZstdCompressor(zstdLevel, workers);
            case CompressionKind.None:
                if (level is not null)
                {
                    throw new ArgumentOutOfRangeException(nameof(level), level, "Compression 'none' takes no level.");
                }

                return new NoCompressor();
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown compression kind.");
        }
    }

    /// <summary>
    /// A read stream yielding the decompressed bytes of <paramref name="compressed"/>. Gzip input may hold
    /// several members (as <see cref="Gzip.ParallelGzipStream"/> writes), zstd several frames.
    /// </summary>
    public static Stream OpenRead(CompressionKind kind, Stream compressed, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        return kind switch
        {
            CompressionKind.Gzip => new GZipStream(compressed, CompressionMode.Decompress, leaveOpen),
            CompressionKind.Zstd => new ZstdDecompressStream(compressed, leaveOpen),
            CompressionKind.None => new CountingReadStream(compressed, leaveOpen),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown compression kind."),
        };
    }

    /// <summary>The kind whose <see cref="ICompressor.FileExtension"/> ends <paramref name="fileName"/>.</summary>
    public static CompressionKind KindFromFileName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (fileName.EndsWith(".gz", StringComparison.Ordinal) || fileName.EndsWith(".tgz", StringComparison.Ordinal))
        {
            return CompressionKind.Gzip;
        }

        return fileName.EndsWith(".zst", StringComparison.Ordinal) ? CompressionKind.Zstd : CompressionKind.None;
    }

    private static void ThrowIfOutOfRange(int level, int min, int max, string format)
    {
        if (level < min || level > max)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, $"The {format} level must be between {min} and {max}.");
        }
    }
}
