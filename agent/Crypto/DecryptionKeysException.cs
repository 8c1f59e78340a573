namespace VolumeAgent.Crypto;

/// <summary>An <c>--identity</c> or <c>--passphrase-file</c> that cannot be read or holds no usable key.</summary>
internal sealed class DecryptionKeysException : Exception
{
    public DecryptionKeysException()
    {
    }

    public DecryptionKeysException(string message)
        : base(message)
    {
    }

    public DecryptionKeysException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
