namespace VolumeAgent.Crypto;

/// <summary>An encrypted artifact that cannot be decrypted: no key given, none fits, or a damaged age file. The message names the artifact and the fix.</summary>
internal sealed class ArtifactDecryptionException : IOException
{
    public ArtifactDecryptionException()
    {
    }

    public ArtifactDecryptionException(string message)
        : base(message)
    {
    }

    public ArtifactDecryptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
