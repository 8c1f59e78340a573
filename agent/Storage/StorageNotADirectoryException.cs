namespace VolumeAgent.Storage;

/// <summary>A local storage's path is, or runs through, a file instead of a directory.</summary>
internal sealed class StorageNotADirectoryException : StorageException
{
    public StorageNotADirectoryException()
    {
    }

    public StorageNotADirectoryException(string message)
        : base(message)
    {
    }

    public StorageNotADirectoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <param name="path">The storage directory.</param>
    /// <param name="file">The file in the way: <paramref name="path"/> itself or one of its parents.</param>
    public StorageNotADirectoryException(string path, string file)
        : base(BuildMessage(path, file))
    {
        Path = path;
        File = file;
    }

    /// <summary>The file where a directory was expected.</summary>
    public string? File { get; }

    private static string BuildMessage(string path, string file)
    {
        var what = string.Equals(path, file, StringComparison.Ordinal)
            ? $"Backup storage path '{path}' is a file, not a directory."
            : $"Backup storage path '{path}' cannot be a directory: '{file}' is a file, not a directory.";
        return $"{what} Point the storage's path at a directory (where the backup share or volume is mounted).";
    }
}
