using System.Runtime.InteropServices;

namespace VolumeAgent.IO;

/// <summary>
/// Keeps the C heap from holding on to memory that zlib and libzstd free. glibc raises its mmap threshold each
/// time a large block is freed, after which the compressors' 256 KiB-to-MiB states and buffers come from the
/// heap and stay in the process after they are freed (measured: 30 MiB more peak RSS on a 1 GiB gzip backup).
/// A fixed threshold serves them from mmap, so freeing returns them to the system.
/// </summary>
internal static partial class NativeHeap
{
    /// <summary>glibc's M_MMAP_THRESHOLD; setting it also turns off the dynamic threshold.</summary>
    private const int MmapThresholdOption = -3;

    /// <summary>Blocks from 128 KiB up (glibc's initial threshold) are mapped on their own.</summary>
    internal const int MmapThresholdBytes = 128 * 1024;

    /// <summary>Fixes the threshold; a C library without mallopt (or that ignores it) is left as it is.</summary>
    public static void FixMmapThreshold()
    {
        try
        {
            _ = MallOpt(MmapThresholdOption, MmapThresholdBytes);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc: its allocator keeps its own policy.
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int option, int value);
}
