namespace VolumeAgent.Pipeline;

internal sealed class NoCompressor : ICompressor
{
    public CompressionKind Kind => CompressionKind.None;

    public string FileExtension => string.Empty;

    public int Level => 0;

    public CompressingStream Open(Stream output, bool leaveOpen = false) => new PassThroughStream(output, leaveOpen);
}
