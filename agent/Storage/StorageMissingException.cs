namespace VolumeAgent.Storage;

/// <summary>
/// A local storage's directory does not exist. The agent never creates a whole path: a backup share that
/// failed to mount would otherwise fill the disk underneath it.
/// </summary>
internal sealed class StorageMissingException : StorageException
{
    public StorageMissingException()
    {
    }

    public StorageMissingException(string message)
        : base(message)
    {
    }

    public StorageMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The storage directory is missing and the storage does not allow the agent to create it.</summary>
    public static StorageMissingException ForRoot(string path) => new(
        $"Backup storage directory '{path}' does not exist. Is the backup share or volume mounted there? "
        + "Create the directory (or correct the storage's path), or set `create: true` on the storage to let the agent create it.")
    {
        Path = path,
    };

    /// <summary>The storage may be created (<c>create: true</c>), but its parent is missing too.</summary>
    public static StorageMissingException ForParent(string path, string parent) => new(
        $"Backup storage directory '{path}' does not exist, and neither does its parent '{parent}'. "
        + $"`create: true` creates only the storage directory itself, in a parent that exists: is the backup share mounted at '{parent}'? "
        + "Create it, or correct the storage's path.")
    {
        Path = path,
    };
}
