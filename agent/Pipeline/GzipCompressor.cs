using VolumeAgent.Pipeline.Gzip;

namespace VolumeAgent.Pipeline;

internal sealed class GzipCompressor(int level, int threads) : ICompressor
{
    public const int DefaultLevel = 6;

    public CompressionKind Kind => CompressionKind.Gzip;

    public string FileExtension => ".gz";

    public int Level => level;

    public int Threads => threads;

    public CompressingStream Open(Stream output, bool leaveOpen = false) =>
        new ParallelGzipStream(output, level, threads, leaveOpen);
}
