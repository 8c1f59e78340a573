namespace VolumeAgent.Pipeline;

/// <summary>A configured compression format: wraps an output stream into a compressing write-only stream.</summary>
internal interface ICompressor
{
    CompressionKind Kind { get; }

    /// <summary>Suffix for stored artifacts, with the dot (".gz", ".zst"), or empty for no compression.</summary>
    string FileExtension { get; }

    /// <summary>The effective level; 0 when the format has none.</summary>
    int Level { get; }

    CompressingStream Open(Stream output, bool leaveOpen = false);
}
