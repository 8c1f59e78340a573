namespace VolumeAgent.Storage;

/// <summary>The backup location cannot be created or written: read-only, or permissions.</summary>
internal sealed class StorageNotWritableException : StorageException
{
    public StorageNotWritableException()
    {
    }

    public StorageNotWritableException(string message)
        : base(message)
    {
    }

    public StorageNotWritableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StorageNotWritableException(string path, string user, Exception innerException)
        : base(BuildMessage(path, user, innerException), innerException)
    {
        Path = path;
    }

    private static string BuildMessage(string path, string user, Exception cause) =>
        $"Backup storage at '{path}' is not writable: {cause.Message} "
        + $"Check that the backup volume is mounted there read-write (not ':ro') and that the agent's user ({user}) owns it or may write to it.";
}
