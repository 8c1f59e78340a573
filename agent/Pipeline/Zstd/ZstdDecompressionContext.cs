using Microsoft.Win32.SafeHandles;

namespace VolumeAgent.Pipeline.Zstd;

/// <summary>Owns a ZSTD_DStream.</summary>
internal sealed class ZstdDecompressionContext : SafeHandleZeroOrMinusOneIsInvalid
{
    public ZstdDecompressionContext()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => ZstdNative.FreeDStream(handle) == 0;
}
