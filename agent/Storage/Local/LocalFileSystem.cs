using System.Runtime.InteropServices;

namespace VolumeAgent.Storage.Local;

/// <summary>
/// File operations with the modes and durability the local store promises: directories 0700, files
/// 0600 (backups hold database contents), and fsync of directories after renames so a committed name
/// survives a power cut.
/// </summary>
internal static class LocalFileSystem
{
    public const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Measured on this project's machines: with 8 KiB writes (what compressors emit) a 64 KiB buffer
    /// reaches 1-4 GB/s, far above the 300 MB/s needed; larger buffers were not faster.
    /// </summary>
    public const int BufferSize = 64 * 1024;

    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC; same value on x64 and arm64.

    /// <summary>Creates one directory, never its parents; false when it is there already.</summary>
    /// <exception cref="IOException">With the errno as HResult: ENOENT when the parent is missing, EEXIST when a file has the name.</exception>
    public static bool CreateDirectoryIfMissing(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            if (Directory.Exists(path))
            {
                return false;
            }

            Directory.CreateDirectory(path);
            return true;
        }

        if (NativeMethods.MkDir(path, (uint)PrivateDirectoryMode) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.EEXIST && Directory.Exists(path))
        {
            return false;
        }

        throw ErrnoException("create directory", path, errno);
    }

    /// <summary>The file that keeps <paramref name="path"/> from being a directory (the path itself or a parent), or null.</summary>
    public static string? FindFileInTheWay(string path)
    {
        for (var current = path; current is not null; current = Path.GetDirectoryName(current))
        {
            if (Directory.Exists(current))
            {
                return null;
            }

            if (File.Exists(current))
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>Removes a directory with everything in it, then makes its removal durable in its parent.</summary>
    /// <param name="beforeDelete">Called with each path just before it is removed.</param>
    public static void DeleteDirectory(string path, Action<string>? beforeDelete = null)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        foreach (var entry in Directory.GetFileSystemEntries(path))
        {
            Delete(entry, beforeDelete);
        }

        Delete(path, beforeDelete);
        FsyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Removes a file, then makes its removal durable in its directory; a missing file is a no-op.</summary>
    /// <param name="beforeDelete">Called with the path just before it is removed.</param>
    public static void DeleteFileDurably(string path, Action<string>? beforeDelete = null)
    {
        if (!File.Exists(path))
        {
            return;
        }

        Delete(path, beforeDelete);
        FsyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Creates a directory that must not exist yet.</summary>
    /// <exception cref="IOException">With HResult EEXIST when it exists.</exception>
    public static void CreateDirectoryExclusive(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            if (Directory.Exists(path))
            {
                throw new IOException($"Directory '{path}' already exists.", Errno.EEXIST);
            }

            Directory.CreateDirectory(path);
            return;
        }

        if (NativeMethods.MkDir(path, (uint)PrivateDirectoryMode) != 0)
        {
            throw ErrnoException("create directory", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Makes renames and deletions in the directory durable.</summary>
    public static void FsyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = NativeMethods.Open(path, ReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw ErrnoException("open directory", path, Marshal.GetLastPInvokeError());
        }

        try
        {
            if (NativeMethods.FSync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();

                // Some filesystems (FUSE, CIFS) cannot sync a directory; their renames are as durable as they get.
                if (errno is not (Errno.EINVAL or Errno.ENOTSUP))
                {
                    throw ErrnoException("sync directory", path, errno);
                }
            }
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }

    public static FileStreamOptions NewFileOptions()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = BufferSize,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFileMode;
        }

        return options;
    }

    public static FileStreamOptions ReadOptions() => new()
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read,
        BufferSize = BufferSize,
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
    };

    public static void DeleteFileIfExists(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Free bytes on the filesystem holding <paramref name="path"/>, or null when unknown.</summary>
    public static long? AvailableBytes(string path)
    {
        try
        {
            return new DriveInfo(path).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    public static string DescribeUser() =>
        OperatingSystem.IsWindows() ? Environment.UserName : $"uid {NativeMethods.GetEffectiveUserId()}";

    /// <summary>
    /// Turns a disk-full or permission failure into the storage exception a user can act on; null for
    /// anything else, which then propagates unchanged.
    /// </summary>
    public static StorageException? Translate(Exception exception, string path)
    {
        if (Errno.IsNoSpace(exception))
        {
            return new StorageFullException(path, AvailableBytes(Path.GetDirectoryName(path) ?? path), exception);
        }

        return Errno.IsNotWritable(exception) ? new StorageNotWritableException(path, DescribeUser(), exception) : null;
    }

    private static void Delete(string path, Action<string>? beforeDelete)
    {
        beforeDelete?.Invoke(path);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            DeleteFileIfExists(path);
        }
    }

    private static IOException ErrnoException(string operation, string path, int errno) =>
        new($"Cannot {operation} '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
}
