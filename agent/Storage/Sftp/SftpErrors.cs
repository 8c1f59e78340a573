using System.Net.Sockets;
using Renci.SshNet.Common;

namespace VolumeAgent.Storage.Sftp;

/// <summary>
/// Turns what SSH.NET throws into the storage exceptions a user can act on: each names the storage, the server and
/// the path, says what failed and how to fix it, and never carries a password or key.
/// </summary>
internal static class SftpErrors
{
    /// <summary>What <see cref="SftpConnection"/> passes as <c>doing</c>: a socket error then means the server cannot be reached.</summary>
    public const string Connecting = "connecting";

    /// <summary>The storage exception for <paramref name="exception"/>, or null for one that is not about the server (a bug, a cancellation).</summary>
    /// <param name="doing">What was being done, e.g. "writing 'job/set/file'".</param>
    public static StorageException? Translate(Exception exception, SftpStorageOptions options, string path, string doing)
    {
        var cause = exception.Message.TrimEnd('.');
        var where = $"SFTP storage '{options.Name}' ({options.User}@{options.Host}:{options.Port}, path '{options.Path}')";
        return exception switch
        {
            StorageException => null,
            SshAuthenticationException or SshPassPhraseNullOrEmptyException => new StorageException(
                $"{where}: the server refused the login of user '{options.User}' {Credential(options)} ({cause}). "
                + (options.PrivateKeyFile is not null
                    ? $"Check the user, and that the public half of the key is in ~{options.User}/.ssh/authorized_keys on the server (the key must not need a passphrase)."
                    : "Check the user and the password in password_file."),
                exception) { Path = path },
            SftpPathNotFoundException => new StorageMissingException(
                $"{where}: '{path}' does not exist on the server while {doing}. Create the directory on the server (e.g. `ssh {options.User}@{options.Host} mkdir -p {options.Path}`) or correct the storage's path.",
                exception) { Path = path },
            SftpPermissionDeniedException => new StorageNotWritableException(
                $"{where}: permission denied on '{path}' while {doing}. Give user '{options.User}' write access to '{options.Path}' on the server, or point the storage's path at a directory the user owns.",
                exception) { Path = path },
            SocketException or SshOperationTimeoutException or TimeoutException when doing == Connecting => new StorageException(
                $"{where}: cannot reach the SSH server while {doing}: {cause}. Check the host and port, that the SSH server runs, and that no firewall blocks the agent.",
                exception) { Path = path },
            SshConnectionException or ObjectDisposedException or SocketException or SshOperationTimeoutException or TimeoutException => new StorageException(
                $"{where}: the connection to the SSH server was lost while {doing}: {cause}. Check that the server runs and is reachable; the next run removes what this one left unfinished.",
                exception) { Path = path },
            SshException => new StorageException($"{where}: the server refused {doing} ('{path}'): {cause}.", exception) { Path = path },
            _ => null,
        };
    }

    private static string Credential(SftpStorageOptions options) =>
        options.PrivateKeyFile is { } key ? $"with the private key in '{key}'" : "with the password from password_file";
}
