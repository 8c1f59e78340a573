namespace VolumeAgent.Sources;

/// <summary>One artifact (or the discovery of a source) failed; the message names the object, the cause and the fix.</summary>
internal sealed class ArtifactFailedException : Exception
{
    public ArtifactFailedException()
    {
    }

    public ArtifactFailedException(string message)
        : base(message)
    {
    }

    public ArtifactFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
