using Renci.SshNet;
using Renci.SshNet.Common;

namespace VolumeAgent.Storage.Sftp;

/// <summary>The small file operations the SFTP store and its uploads share.</summary>
internal static class SftpFiles
{
    /// <summary>Deletes a file, ignoring every failure: used on the way out of a failure that matters more.</summary>
    public static async Task TryDeleteAsync(SftpClient client, string path)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await client.DeleteFileAsync(path, timeout.Token);
        }
        catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException
            or System.Net.Sockets.SocketException)
        {
            // The connection is gone or the file is: the next run's sweep removes a leftover partial file.
        }
    }

    /// <summary>Writes a small file whole under <paramref name="partial"/> and renames it over <paramref name="target"/>: a reader sees the old content or the new.</summary>
    public static async Task WriteWholeAsync(SftpClient client, string partial, string target, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        try
        {
            // A crash during an earlier write may have left the temporary file; it is ours to replace.
            var file = await client.OpenAsync(partial, FileMode.Create, FileAccess.Write, cancellationToken);
            await using (file)
            {
                await file.WriteAsync(content, cancellationToken);
            }

            ReplaceFile(client, partial, target);
        }
        catch
        {
            await TryDeleteAsync(client, partial);
            throw;
        }
    }

    public static string Join(string directory, string name) => directory.EndsWith('/') ? directory + name : directory + "/" + name;

    /// <summary>Renames over an existing file atomically where the server can (OpenSSH's posix-rename), else removes the old file first.</summary>
    public static void ReplaceFile(SftpClient client, string from, string to)
    {
        try
        {
            client.RenameFile(from, to, isPosix: true);
        }
        catch (NotSupportedException)
        {
            try
            {
                client.DeleteFile(to);
            }
            catch (SftpPathNotFoundException)
            {
            }

            client.RenameFile(from, to);
        }
    }

    public static async Task<bool> ExistsAsync(SftpClient client, string path, CancellationToken cancellationToken)
    {
        try
        {
            await client.GetAttributesAsync(path, cancellationToken);
            return true;
        }
        catch (SftpPathNotFoundException)
        {
            return false;
        }
    }

    public static async Task<bool> IsDirectoryAsync(SftpClient client, string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetAttributesAsync(path, cancellationToken)).IsDirectory;
        }
        catch (SftpPathNotFoundException)
        {
            return false;
        }
    }
}
