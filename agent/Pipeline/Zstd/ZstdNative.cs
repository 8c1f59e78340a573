using System.Runtime.InteropServices;

namespace VolumeAgent.Pipeline.Zstd;

/// <summary>The few libzstd entry points the pipeline needs (zstd.h, stable API since 1.4).</summary>
internal static partial class ZstdNative
{
    public const string LibraryName = "libzstd.so.1";

    public const int CompressionLevelParameter = 100;
    public const int ChecksumFlagParameter = 201;
    public const int NbWorkersParameter = 400;
    public const int JobSizeParameter = 401;

    public const int EndDirectiveContinue = 0;
    public const int EndDirectiveEnd = 2;

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_createCCtx")]
    public static partial ZstdCompressionContext CreateCCtx();

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_freeCCtx")]
    public static partial nuint FreeCCtx(nint cctx);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_CCtx_setParameter")]
    public static partial nuint SetParameter(ZstdCompressionContext cctx, int parameter, int value);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_compressStream2")]
    public static unsafe partial nuint CompressStream2(ZstdCompressionContext cctx, ZstdOutBuffer* output, ZstdInBuffer* input, int endOp);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_CStreamOutSize")]
    public static partial nuint CStreamOutSize();

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_createDStream")]
    public static partial ZstdDecompressionContext CreateDStream();

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_freeDStream")]
    public static partial nuint FreeDStream(nint dstream);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_initDStream")]
    public static partial nuint InitDStream(ZstdDecompressionContext dstream);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_decompressStream")]
    public static unsafe partial nuint DecompressStream(ZstdDecompressionContext dstream, ZstdOutBuffer* output, ZstdInBuffer* input);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_DStreamInSize")]
    public static partial nuint DStreamInSize();

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_getErrorName")]
    public static partial nint GetErrorName(nuint code);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_versionNumber")]
    public static partial uint VersionNumber();

    /// <summary>Throws <see cref="ZstdException"/> when <paramref name="code"/> is a libzstd error code.</summary>
    public static nuint Check(nuint code, string operation)
    {
        if (IsError(code) != 0)
        {
            var name = Marshal.PtrToStringUTF8(GetErrorName(code)) ?? "unknown error";
            throw new ZstdException($"zstd {operation} failed: {name}.");
        }

        return code;
    }
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZstdInBuffer
{
    public void* Source;
    public nuint Size;
    public nuint Position;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZstdOutBuffer
{
    public void* Destination;
    public nuint Size;
    public nuint Position;
}
