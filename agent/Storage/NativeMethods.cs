using System.Runtime.InteropServices;

namespace VolumeAgent.Storage;

/// <summary>
/// The few POSIX calls .NET does not expose: opening a directory to fsync it (FileStream refuses
/// directories) and an exclusive mkdir (Directory.CreateDirectory succeeds when the directory exists).
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

    [LibraryImport(LibC, EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();
}
