namespace VolumeAgent.Pipeline.Zstd;

/// <summary>libzstd reported an error, or zstd data is corrupt or truncated.</summary>
internal sealed class ZstdException : IOException
{
    public ZstdException()
    {
    }

    public ZstdException(string message)
        : base(message)
    {
    }

    public ZstdException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
