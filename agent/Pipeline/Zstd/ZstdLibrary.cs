using System.Reflection;
using System.Runtime.InteropServices;

namespace VolumeAgent.Pipeline.Zstd;

/// <summary>
/// Finds libzstd once: "libzstd.so.1" (Debian's libzstd1, Alpine's zstd-libs), then "libzstd" (a development
/// symlink elsewhere). Callers check <see cref="EnsureAvailable"/> before the first P/Invoke so a missing
/// library reads as a fix, not as a <see cref="DllNotFoundException"/>.
/// </summary>
internal static class ZstdLibrary
{
    public const string MissingMessage =
        "zstd compression needs libzstd.so.1 (Debian: apt-get install libzstd1; Alpine: apk add zstd-libs).";

    private static readonly Lazy<nint> s_handle = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void EnsureAvailable()
    {
        if (s_handle.Value == 0)
        {
            throw new CompressionUnavailableException(MissingMessage);
        }
    }

    private static nint Load()
    {
        nint handle = 0;
        foreach (var name in (string[])[ZstdNative.LibraryName, "libzstd"])
        {
            if (NativeLibrary.TryLoad(name, typeof(ZstdLibrary).Assembly, DllImportSearchPath.SafeDirectories, out handle))
            {
                break;
            }
        }

        if (handle != 0)
        {
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(ZstdLibrary).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // Another part of the assembly owns the resolver; "libzstd.so.1" then loads by the default probing.
            }
        }

        return handle;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == ZstdNative.LibraryName ? s_handle.Value : 0;
}
