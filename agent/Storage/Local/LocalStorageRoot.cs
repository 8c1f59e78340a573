namespace VolumeAgent.Storage.Local;

/// <summary>
/// The rule for a local storage's directory: it must exist, since a backup share that failed to mount must not be
/// filled from underneath. With <c>create: true</c> it may be created, one level, in a parent that exists; a whole
/// path never is.
/// </summary>
internal static class LocalStorageRoot
{
    /// <summary>
    /// Why <paramref name="rootPath"/> cannot hold backup sets as things are now, or null when it is a directory (or,
    /// with <paramref name="create"/>, can be created in a parent that exists). Changes nothing.
    /// </summary>
    public static StorageException? FindProblem(string rootPath, bool create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootPath);
        if (Directory.Exists(rootPath))
        {
            return null;
        }

        if (LocalFileSystem.FindFileInTheWay(rootPath) is { } file)
        {
            return new StorageNotADirectoryException(rootPath, file);
        }

        if (!create)
        {
            return StorageMissingException.ForRoot(rootPath);
        }

        var parent = Path.GetDirectoryName(rootPath);
        return parent is not null && Directory.Exists(parent) ? null : StorageMissingException.ForParent(rootPath, parent ?? rootPath);
    }

    /// <summary>Makes sure the directory is there, creating it (one level) only when <paramref name="create"/> allows it.</summary>
    /// <exception cref="StorageException">It is missing, in the way of a file, or cannot be created.</exception>
    public static void Ensure(string rootPath, bool create)
    {
        if (FindProblem(rootPath, create) is { } problem)
        {
            throw problem;
        }

        CreateBelow(rootPath, rootPath);
    }

    /// <summary>
    /// Creates <paramref name="path"/> (the root or a directory in it), one level, never its parents: a root that vanished
    /// meanwhile (an unmount) is reported, not created again.
    /// </summary>
    public static void CreateBelow(string rootPath, string path)
    {
        try
        {
            LocalFileSystem.CreateDirectoryIfMissing(path);
        }
        catch (Exception ex) when (LocalFileSystem.Translate(ex, path) is { } translated)
        {
            throw translated;
        }
        catch (IOException ex) when (ex.HResult == Errno.ENOENT && FindProblem(rootPath, create: false) is { } problem)
        {
            throw new StorageMissingException(problem.Message, ex) { Path = rootPath };
        }
    }
}
