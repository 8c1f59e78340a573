namespace VolumeAgent.Pipeline;

/// <summary>A compression format was chosen whose native library is missing on this machine.</summary>
internal sealed class CompressionUnavailableException : Exception
{
    public CompressionUnavailableException()
    {
    }

    public CompressionUnavailableException(string message)
        : base(message)
    {
    }

    public CompressionUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
