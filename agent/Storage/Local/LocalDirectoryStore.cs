using System.Runtime.InteropServices;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage.Local;

/// <summary>
/// Backup sets in a directory tree (usually a mounted volume): <c>&lt;root&gt;/&lt;job&gt;/&lt;set&gt;/</c>.
/// Directories are created 0700 and files 0600: backups hold whole databases. The root must exist, or with
/// <see cref="CreateRoot"/> is created in a parent that exists (<see cref="LocalStorageRoot"/>).
/// </summary>
internal sealed class LocalDirectoryStore : IObjectStore
{
    public LocalDirectoryStore(string rootPath, bool createRoot = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootPath);
        RootPath = Path.GetFullPath(rootPath);
        CreateRoot = createRoot;
    }

    public string RootPath { get; }

    /// <summary>The storage's <c>create: true</c>: a missing root is created when its parent exists.</summary>
    public bool CreateRoot { get; }

    public string Location => RootPath;

    /// <summary>Called with each path just before a delete removes it; lets tests interrupt a delete.</summary>
    internal Action<string>? BeforeDelete { get; init; }

    public string Describe(SetAddress set) => SetPath(set);

    public async Task CheckWritableAsync(CancellationToken cancellationToken)
    {
        LocalStorageRoot.Ensure(RootPath, CreateRoot);
        var probe = Path.Combine(RootPath, BackupSetLayout.PartialNameFor($"write-probe-{RunId.New()}"));
        try
        {
            var file = new FileStream(probe, LocalFileSystem.NewFileOptions());
            await using (file)
            {
                await file.WriteAsync("probe"u8.ToArray(), cancellationToken);
                await file.FlushAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (LocalFileSystem.Translate(ex, RootPath) is { } translated)
        {
            throw translated;
        }
        finally
        {
            LocalFileSystem.DeleteFileIfExists(probe);
        }
    }

    public Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var setPath = SetPath(set);
        LocalStorageRoot.Ensure(RootPath, CreateRoot);
        LocalStorageRoot.CreateBelow(RootPath, Path.GetDirectoryName(setPath)!);
        try
        {
            LocalFileSystem.CreateDirectoryExclusive(setPath);
        }
        catch (IOException ex) when (ex.HResult == Errno.EEXIST)
        {
            throw new IOException(
                $"Backup set directory '{setPath}' already exists. Run ids are random, so this means the same run id was used twice; start the run with a new run id.",
                ex);
        }
        catch (Exception ex) when (LocalFileSystem.Translate(ex, setPath) is { } translated)
        {
            throw translated;
        }

        return Task.CompletedTask;
    }

    public Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IObjectUpload>(LocalUpload.Create(SetPath(set), name));
    }

    public Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(SetPath(set), name, content, cancellationToken);

    public Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = Path.Combine(SetPath(set), name);
        try
        {
            return Task.FromResult<Stream>(new FileStream(path, LocalFileSystem.ReadOptions()));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"Backup set {set.Job}/{set.Name} has no file '{name}' (looked for '{path}').", path, ex);
        }
    }

    public IAsyncEnumerable<string> ListJobsAsync(CancellationToken cancellationToken) => DirectoryNames(RootPath);

    public IAsyncEnumerable<string> ListSetsAsync(string job, CancellationToken cancellationToken) =>
        DirectoryNames(Path.Combine(RootPath, job));

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var setPath = SetPath(set);
        if (!Directory.Exists(setPath))
        {
            return Task.FromResult<IReadOnlyList<StoredObject>>([]);
        }

        IReadOnlyList<StoredObject> objects = [.. new DirectoryInfo(setPath).EnumerateFiles().Select(file => new StoredObject(file.Name, file.Length))];
        return Task.FromResult(objects);
    }

    public Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LocalFileSystem.DeleteFileDurably(Path.Combine(SetPath(set), name), BeforeDelete);
        return Task.CompletedTask;
    }

    public Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LocalFileSystem.DeleteDirectory(SetPath(set), BeforeDelete);
        return Task.CompletedTask;
    }

    public Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        BackupSetLayout.ThrowIfInvalidJobName(job);
        var jobPath = Path.Combine(RootPath, job);
        var link = Path.Combine(jobPath, BackupSetLayout.LatestName);
        if (!Directory.Exists(jobPath))
        {
            return Task.CompletedTask;
        }

        // Links a crash left half made; they never name a set, so listing skips them anyway.
        foreach (var stale in Directory.EnumerateFileSystemEntries(jobPath, BackupSetLayout.PartialNameFor(BackupSetLayout.LatestName + "-*")))
        {
            File.Delete(stale);
        }

        if (setName is null)
        {
            if (new FileInfo(link).LinkTarget is not null)
            {
                File.Delete(link);
                LocalFileSystem.FsyncDirectory(jobPath);
            }

            return Task.CompletedTask;
        }

        if (!BackupSetLayout.TryParseSetName(setName, out _, out _))
        {
            throw new ArgumentException($"'{setName}' is not a backup set directory name (yyyyMMddTHHmmssZ-<run id>).", nameof(setName));
        }

        // A relative link, so the tree stays valid wherever the storage is mounted; rename(2) replaces the old one atomically.
        var temporary = Path.Combine(jobPath, BackupSetLayout.PartialNameFor($"{BackupSetLayout.LatestName}-{RunId.New()}"));
        File.CreateSymbolicLink(temporary, setName);
        if (NativeMethods.Rename(temporary, link) != 0)
        {
            var error = Marshal.GetLastPInvokeErrorMessage();
            File.Delete(temporary);
            throw new StorageException($"Could not point '{link}' at backup set {setName}: {error}. Remove or rename what is at '{link}'; the agent keeps a symbolic link there.") { Path = link };
        }

        LocalFileSystem.FsyncDirectory(jobPath);
        return Task.CompletedTask;
    }

    private static IAsyncEnumerable<string> DirectoryNames(string path) =>
        (Directory.Exists(path) ? Directory.EnumerateDirectories(path).Select(directory => Path.GetFileName(directory)) : []).ToAsyncEnumerable();

    private string SetPath(SetAddress set)
    {
        // Names come from a listing or a plain record: never let them point outside the root.
        BackupSetLayout.ThrowIfInvalidJobName(set.Job);
        if (!BackupSetLayout.TryParseSetName(set.Name, out _, out _))
        {
            throw new ArgumentException($"'{set.Name}' is not a backup set directory name (yyyyMMddTHHmmssZ-<run id>).", nameof(set));
        }

        return Path.Combine(RootPath, set.Job, set.Name);
    }
}
