namespace VolumeAgent.Crypto.Age;

/// <summary>An age file that is not well formed, was changed, or is cut off.</summary>
internal sealed class AgeFormatException : IOException
{
    public AgeFormatException()
    {
    }

    public AgeFormatException(string message)
        : base(message)
    {
    }

    public AgeFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
