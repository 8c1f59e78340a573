using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage.Sftp;

/// <summary>
/// Backup sets in a directory on an SSH server: <c>&lt;path&gt;/&lt;job&gt;/&lt;set&gt;/</c>, over one SFTP
/// connection (<see cref="SftpConnection"/>). The directory must exist; job and set directories are created mode 0700.
/// Objects are written under a temporary name and renamed (<see cref="SftpUpload"/>).
/// </summary>
internal sealed class SftpObjectStore : IObjectStore, IDisposable
{
    /// <summary>Octal digits, as SSH.NET's permission setter takes them.</summary>
    private const short PrivateDirectoryMode = 700;

    private readonly SftpConnection _connection;

    public SftpObjectStore(SftpStorageOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _connection = new SftpConnection(options, time);
        Root = options.Path.Length > 1 ? options.Path.TrimEnd('/') : options.Path;
    }

    public SftpStorageOptions Options { get; }

    /// <summary>The storage directory on the server, without a trailing slash (unless it is <c>/</c>).</summary>
    public string Root { get; }

    public string Location => Options.Url;

    public string Describe(SetAddress set) => $"{Options.Url.TrimEnd('/')}/{set.Job}/{set.Name}";

    public Task CheckWritableAsync(CancellationToken cancellationToken) =>
        RunAsync(Root, "checking that the storage can be written", async client =>
        {
            await EnsureRootAsync(client, cancellationToken);
            var probe = SftpFiles.Join(Root, BackupSetLayout.PartialNameFor($"write-probe-{RunId.New()}"));
            try
            {
                var file = await client.OpenAsync(probe, FileMode.CreateNew, FileAccess.Write, cancellationToken);
                await using (file)
                {
                    await file.WriteAsync("probe"u8.ToArray(), cancellationToken);
                }
            }
            finally
            {
                await SftpFiles.TryDeleteAsync(client, probe);
            }

            return true;
        }, cancellationToken);

    public Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        var setPath = SetPath(set);
        return RunAsync(setPath, $"creating the set directory '{setPath}'", async client =>
        {
            await EnsureRootAsync(client, cancellationToken);
            var jobPath = SftpFiles.Join(Root, set.Job);
            if (!await SftpFiles.IsDirectoryAsync(client, jobPath, cancellationToken))
            {
                await client.CreateDirectoryAsync(jobPath, cancellationToken);
                client.ChangePermissions(jobPath, PrivateDirectoryMode);
            }

            if (await SftpFiles.ExistsAsync(client, setPath, cancellationToken))
            {
                throw new IOException(
                    $"Backup set directory '{Describe(set)}' already exists. Run ids are random, so this means the same run id was used twice; start the run with a new run id.");
            }

            await client.CreateDirectoryAsync(setPath, cancellationToken);
            client.ChangePermissions(setPath, PrivateDirectoryMode);
            return true;
        }, cancellationToken);
    }

    public async Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        var partial = SftpFiles.Join(SetPath(set), BackupSetLayout.PartialNameFor(name));
        var lease = await _connection.AcquireAsync(cancellationToken);
        return new SftpUpload(this, lease, partial, SftpFiles.Join(SetPath(set), name));
    }

    public Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var target = SftpFiles.Join(SetPath(set), name);
        var partial = SftpFiles.Join(SetPath(set), BackupSetLayout.PartialNameFor(name));
        return RunAsync(target, $"writing '{target}'", async client =>
        {
            await SftpFiles.WriteWholeAsync(client, partial, target, content, cancellationToken);
            return true;
        }, cancellationToken);
    }

    public async Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        var path = SftpFiles.Join(SetPath(set), name);
        var lease = await _connection.AcquireAsync(cancellationToken);
        try
        {
            var file = await lease.Client.OpenAsync(path, FileMode.Open, FileAccess.Read, cancellationToken);
            return new SftpReadStream(file, lease);
        }
        catch (SftpPathNotFoundException ex)
        {
            lease.Dispose();
            throw new FileNotFoundException($"Backup set {set.Job}/{set.Name} has no file '{name}' (looked for '{Options.Url.TrimEnd('/')}/{set.Job}/{set.Name}/{name}').", path, ex);
        }
        catch (Exception ex)
        {
            lease.Dispose();
            throw SftpErrors.Translate(ex, Options, path, $"opening '{path}'") ?? ex;
        }
    }

    public async IAsyncEnumerable<string> ListJobsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var entry in await ListAsync(Root, cancellationToken))
        {
            if (entry.IsDirectory)
            {
                yield return entry.Name;
            }
        }
    }

    public async IAsyncEnumerable<string> ListSetsAsync(string job, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidJobName(job);
        foreach (var entry in await ListAsync(SftpFiles.Join(Root, job), cancellationToken))
        {
            if (entry.IsDirectory)
            {
                yield return entry.Name;
            }
        }
    }

    public async Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken) =>
        [.. (await ListAsync(SetPath(set), cancellationToken)).Where(e => e.IsRegularFile).Select(e => new StoredObject(e.Name, e.Length))];

    public Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        var path = SftpFiles.Join(SetPath(set), name);
        return RunAsync(path, $"deleting '{path}'", async client =>
        {
            try
            {
                await client.DeleteFileAsync(path, cancellationToken);
            }
            catch (SftpPathNotFoundException)
            {
            }

            return true;
        }, cancellationToken);
    }

    public Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        var setPath = SetPath(set);
        return RunAsync(setPath, $"deleting the set directory '{setPath}'", async client =>
        {
            try
            {
                await foreach (var entry in client.ListDirectoryAsync(setPath, cancellationToken))
                {
                    if (entry.Name is not ("." or ".."))
                    {
                        await client.DeleteFileAsync(SftpFiles.Join(setPath, entry.Name), cancellationToken);
                    }
                }

                await client.DeleteDirectoryAsync(setPath, cancellationToken);
            }
            catch (SftpPathNotFoundException)
            {
            }

            return true;
        }, cancellationToken);
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>The storage directory must exist: the agent never creates it (as a local storage without <c>create: true</c>).</summary>

    /// <summary>A small file <c>&lt;job&gt;/latest</c> holding the set's name and a newline, replaced by rename.</summary>
    public Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidJobName(job);
        var jobPath = SftpFiles.Join(Root, job);
        var target = SftpFiles.Join(jobPath, BackupSetLayout.LatestName);
        var partial = SftpFiles.Join(jobPath, BackupSetLayout.PartialNameFor(BackupSetLayout.LatestName));
        return RunAsync(target, $"writing '{target}'", async client =>
        {
            if (setName is null)
            {
                await SftpFiles.TryDeleteAsync(client, target);
                return true;
            }

            await SftpFiles.WriteWholeAsync(client, partial, target, System.Text.Encoding.UTF8.GetBytes(setName + "\n"), cancellationToken);
            return true;
        }, cancellationToken);
    }

    private async Task EnsureRootAsync(SftpClient client, CancellationToken cancellationToken)
    {
        SftpFileAttributes attributes;
        try
        {
            attributes = await client.GetAttributesAsync(Root, cancellationToken);
        }
        catch (SftpPathNotFoundException ex)
        {
            throw new StorageMissingException(
                $"SFTP storage '{Options.Name}' ({Options.User}@{Options.Host}:{Options.Port}): the directory '{Options.Path}' does not exist on the server. "
                + $"Create it (e.g. `ssh {Options.User}@{Options.Host} mkdir -p {Options.Path}`) or correct the storage's path.",
                ex) { Path = Options.Path };
        }

        if (!attributes.IsDirectory)
        {
            throw new StorageNotADirectoryException(
                $"SFTP storage '{Options.Name}' ({Options.User}@{Options.Host}:{Options.Port}): '{Options.Path}' on the server is a file, not a directory. Point the storage's path at a directory.")
            { Path = Options.Path };
        }
    }

    private async Task<List<ISftpFile>> ListAsync(string path, CancellationToken cancellationToken) =>
        await RunAsync(path, $"listing '{path}'", async client =>
        {
            var entries = new List<ISftpFile>();
            try
            {
                await foreach (var entry in client.ListDirectoryAsync(path, cancellationToken))
                {
                    if (entry.Name is not ("." or ".."))
                    {
                        entries.Add(entry);
                    }
                }
            }
            catch (SftpPathNotFoundException)
            {
                // A storage, job or set that does not exist has nothing in it.
            }

            return entries;
        }, cancellationToken);

    private async Task<T> RunAsync<T>(string path, string doing, Func<SftpClient, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var lease = await _connection.AcquireAsync(cancellationToken);
        try
        {
            return await operation(lease.Client);
        }
        catch (Exception ex) when (SftpErrors.Translate(ex, Options, path, doing) is { } translated)
        {
            throw translated;
        }
    }

    private string SetPath(SetAddress set)
    {
        // Names come from a listing or a plain record: never let them point outside the storage directory.
        BackupSetLayout.ThrowIfInvalidJobName(set.Job);
        if (!BackupSetLayout.TryParseSetName(set.Name, out _, out _))
        {
            throw new ArgumentException($"'{set.Name}' is not a backup set directory name (yyyyMMddTHHmmssZ-<run id>).", nameof(set));
        }

        return SftpFiles.Join(SftpFiles.Join(Root, set.Job), set.Name);
    }
}
