namespace VolumeAgent.Pipeline.Tar;

/// <summary>A tar stream is truncated or corrupt: it ends inside an entry, or a header fails its checksum.</summary>
internal sealed class TarFormatException : IOException
{
    public TarFormatException()
    {
    }

    public TarFormatException(string message)
        : base(message)
    {
    }

    public TarFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TarFormatException(string reason, string? entryName, long offset)
        : base(entryName is null
            ? $"The tar archive is corrupt at byte {offset}: {reason}"
            : $"The tar archive is corrupt at byte {offset}, in or after entry '{entryName}': {reason}")
    {
        EntryName = entryName;
        Offset = offset;
    }

    /// <summary>The entry being read, or the last complete one, when there was one.</summary>
    public string? EntryName { get; }

    /// <summary>Byte offset in the archive where the problem was found.</summary>
    public long Offset { get; }
}
