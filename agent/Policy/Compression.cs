namespace VolumeAgent.Policy;

internal enum Compression
{
    Gzip,
    Zstd,
    None,
}
