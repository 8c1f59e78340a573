using Microsoft.Win32.SafeHandles;

namespace VolumeAgent.Pipeline.Zstd;

/// <summary>Owns a ZSTD_CCtx; freeing it also joins the library's worker threads.</summary>
internal sealed class ZstdCompressionContext : SafeHandleZeroOrMinusOneIsInvalid
{
    public ZstdCompressionContext()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => ZstdNative.FreeCCtx(handle) == 0;
}
