using System.Runtime.InteropServices;

namespace VolumeAgent.Storage.Local;

/// <summary>
/// The few POSIX calls .NET does not expose: opening a directory to fsync it (FileStream refuses
/// directories), a mkdir that never creates parents and tells an existing directory apart (Directory.CreateDirectory
/// creates every missing parent and succeeds when the directory exists), and
/// sync_file_range to start writing an artifact back to disk while it is still being written.
/// </summary>
internal static partial class NativeMethods
{
    private const string LibC = "libc";

    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(LibC, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FSync(int fd);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(LibC, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MkDir(string path, uint mode);

    /// <summary>sync_file_range's flag that starts write-out of the dirty pages in the range without waiting for it.</summary>
    internal const uint SyncFileRangeWrite = 2;

    [LibraryImport(LibC, EntryPoint = "sync_file_range", SetLastError = true)]
    internal static partial int SyncFileRange(Microsoft.Win32.SafeHandles.SafeFileHandle fd, long offset, long nbytes, uint flags);

    /// <summary>rename(2): replaces the target atomically and, unlike File.Move, never follows a symbolic link.</summary>
    [LibraryImport(LibC, EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Rename(string oldPath, string newPath);

    [LibraryImport(LibC, EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();
}
