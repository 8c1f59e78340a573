namespace VolumeAgent.Pipeline;

internal enum CompressionKind
{
    Gzip,
    Zstd,
    None,
}
