using VolumeAgent.Pipeline.Zstd;

namespace VolumeAgent.Pipeline;

internal sealed class ZstdCompressor(int level, int threads) : ICompressor
{
    public const int DefaultLevel = 3;

    public CompressionKind Kind => CompressionKind.Zstd;

    public string FileExtension => ".zst";

    public int Level => level;

    public int Threads => threads;

    public CompressingStream Open(Stream output, bool leaveOpen = false) =>
        new ZstdCompressStream(output, level, threads, leaveOpen);
}
