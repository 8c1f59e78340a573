namespace VolumeAgent.Storage;

/// <summary>The filesystem (or quota) holding the backups ran out of space.</summary>
internal sealed class StorageFullException : StorageException
{
    public StorageFullException()
    {
    }

    public StorageFullException(string message)
        : base(message)
    {
    }

    public StorageFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StorageFullException(string path, long? availableBytes, Exception innerException)
        : base(BuildMessage(path, availableBytes), innerException)
    {
        Path = path;
        AvailableBytes = availableBytes;
    }

    /// <summary>Free bytes on that filesystem when the write failed, if known.</summary>
    public long? AvailableBytes { get; }

    private static string BuildMessage(string path, long? availableBytes)
    {
        var free = availableBytes is { } bytes ? $"{FormatBytes(bytes)} free" : "free space unknown";
        return $"Backup storage is full: writing '{path}' failed, disk full ({free} on that filesystem; a quota may also apply). "
            + "The incomplete file was removed. Free space there (remove old sets or tighten the job's retention) or move the storage to a larger volume.";
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.#} KiB",
        _ => $"{bytes} bytes",
    };
}
