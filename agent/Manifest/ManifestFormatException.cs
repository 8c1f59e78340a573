namespace VolumeAgent.Manifest;

/// <summary>A manifest.json that cannot be read or does not satisfy the format; the message says what is wrong.</summary>
internal sealed class ManifestFormatException : Exception
{
    public ManifestFormatException()
    {
    }

    public ManifestFormatException(string message)
        : base(message)
    {
    }

    public ManifestFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
