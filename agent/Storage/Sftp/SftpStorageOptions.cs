using VolumeAgent.Policy;

namespace VolumeAgent.Storage.Sftp;

/// <summary>A directory on an SSH server, reached over SFTP; the server's host key is pinned by a known_hosts file.</summary>
internal sealed record SftpStorageOptions : StorageOptions
{
    public const string TypeName = "sftp";

    public const int DefaultPort = 22;

    public required string Host { get; init; }

    public int Port { get; init; } = DefaultPort;

    public required string User { get; init; }

    /// <summary>The directory on the server that holds the job folders; it must exist. Absolute, or relative to the login directory.</summary>
    public required string Path { get; init; }

    /// <summary>An OpenSSH private key file (unencrypted) on the agent's side; null when <see cref="Password"/> is used.</summary>
    public string? PrivateKeyFile { get; init; }

    /// <summary>The password, read from <c>password_file</c>; null when <see cref="PrivateKeyFile"/> is used.</summary>
    public Secret? Password { get; init; }

    /// <summary>An OpenSSH known_hosts file that must hold the server's host key.</summary>
    public required string KnownHostsFile { get; init; }

    public override string Type => TypeName;

    /// <summary><c>sftp://user@host:port/path</c>, for messages; holds no secret.</summary>
    public string Url => $"sftp://{User}@{Host}:{Port}{(Path.StartsWith('/') ? string.Empty : "/~/")}{Path}";
}
