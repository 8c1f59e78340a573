using VolumeAgent.Pipeline;

namespace VolumeAgent.Manifest;

internal static class ManifestCompressions
{
    public static ManifestCompression From(CompressionKind kind) => kind switch
    {
        CompressionKind.Gzip => ManifestCompression.Gzip,
        CompressionKind.Zstd => ManifestCompression.Zstd,
        CompressionKind.None => ManifestCompression.None,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static CompressionKind ToKind(ManifestCompression compression) => compression switch
    {
        ManifestCompression.Gzip => CompressionKind.Gzip,
        ManifestCompression.Zstd => CompressionKind.Zstd,
        ManifestCompression.None => CompressionKind.None,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };
}
