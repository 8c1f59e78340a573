namespace VolumeAgent.Storage;

/// <summary>Backup storage cannot be used; the message names the location, the cause and the fix.</summary>
internal class StorageException : IOException
{
    public StorageException()
    {
    }

    public StorageException(string message)
        : base(message)
    {
    }

    public StorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The file or directory the failed operation was about.</summary>
    public string? Path { get; init; }
}
