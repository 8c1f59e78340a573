namespace VolumeAgent.Storage.Sftp;

/// <summary>
/// The SSH server's host key is not the one pinned in the storage's known_hosts file (changed, revoked, or the host is
/// not in the file at all): the agent does not log in, so no password or key is offered to a server it cannot trust.
/// </summary>
internal sealed class SftpHostKeyException : StorageException
{
    public SftpHostKeyException()
    {
    }

    public SftpHostKeyException(string message)
        : base(message)
    {
    }

    public SftpHostKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The fingerprint of the key the server offered (<c>SHA256:…</c>), when one was seen.</summary>
    public string? OfferedFingerprint { get; init; }
}
