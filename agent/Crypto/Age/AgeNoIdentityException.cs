namespace VolumeAgent.Crypto.Age;

/// <summary>None of the identities given opens the file: it was encrypted to other recipients (or another passphrase).</summary>
internal sealed class AgeNoIdentityException : Exception
{
    public AgeNoIdentityException()
    {
    }

    public AgeNoIdentityException(string message)
        : base(message)
    {
    }

    public AgeNoIdentityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
