using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage;

/// <summary>
/// Backup sets in a directory tree (usually a mounted volume): <c>&lt;root&gt;/&lt;job&gt;/&lt;set&gt;/</c>.
/// Directories are created 0700 and files 0600: backups hold whole databases. The root must exist, or with
/// <see cref="CreateRoot"/> is created in a parent that exists (<see cref="LocalStorageRoot"/>).
/// </summary>
internal sealed class LocalDirectoryStore : IBackupStore
{
    private readonly ConcurrentDictionary<string, LocalBackupSetWriter> _writing = new(StringComparer.Ordinal);

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

    /// <summary>Called with each path just before <see cref="DeleteSetAsync"/> removes it; lets tests interrupt a delete.</summary>
    internal Action<string>? BeforeDelete { get; init; }

    public Task<IBackupSetWriter> BeginSetAsync(string job, DateTimeOffset startedUtc, RunId runId, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidJobName(job);
        cancellationToken.ThrowIfCancellationRequested();
        var jobPath = Path.Combine(RootPath, job);
        var directoryName = BackupSetLayout.FormatSetName(startedUtc, runId);
        var setPath = Path.Combine(jobPath, directoryName);
        LocalStorageRoot.Ensure(RootPath, CreateRoot);
        LocalStorageRoot.CreateBelow(RootPath, jobPath);
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

        var writer = new LocalBackupSetWriter(job, runId, directoryName, setPath, OnSetClosed);
        _writing[setPath] = writer;
        return Task.FromResult<IBackupSetWriter>(writer);
    }

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

    public async IAsyncEnumerable<BackupSetInfo> ListSetsAsync(string? job, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IEnumerable<string> jobs;
        if (job is not null)
        {
            BackupSetLayout.ThrowIfInvalidJobName(job);
            jobs = [job];
        }
        else
        {
            jobs = Directory.Exists(RootPath)
                ? Directory.EnumerateDirectories(RootPath)
                    .Select(path => Path.GetFileName(path))
                    .Where(BackupSetLayout.IsValidJobName)
                    .Order(StringComparer.Ordinal)
                : [];
        }

        foreach (var jobName in jobs)
        {
            var jobPath = Path.Combine(RootPath, jobName);
            if (!Directory.Exists(jobPath))
            {
                continue;
            }

            var sets = new List<BackupSetInfo>();
            foreach (var setPath in Directory.EnumerateDirectories(jobPath))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = Path.GetFileName(setPath);
                if (BackupSetLayout.TryParseSetName(name, out var nameTime, out var runId))
                {
                    sets.Add(await ReadSetAsync(jobName, name, setPath, nameTime, runId, cancellationToken));
                }
            }

            foreach (var set in sets.OrderBy(s => s.StartedAt).ThenBy(s => s.DirectoryName, StringComparer.Ordinal))
            {
                yield return set;
            }
        }
    }

    public Task DeleteSetAsync(BackupSetInfo set, CancellationToken cancellationToken)
    {
        var setPath = SetPath(set);
        if (_writing.ContainsKey(setPath))
        {
            throw new InvalidOperationException($"Backup set {set.Job}/{set.DirectoryName} is still being written and cannot be deleted.");
        }

        if (!Directory.Exists(setPath))
        {
            return Task.CompletedTask;
        }

        cancellationToken.ThrowIfCancellationRequested();
        LocalFileSystem.DeleteSetDirectory(setPath, BeforeDelete);
        return Task.CompletedTask;
    }

    public Task<Stream> OpenArtifactReadAsync(BackupSetInfo set, string fileName, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidArtifactName(fileName);
        return OpenReadAsync(set, fileName, cancellationToken);
    }

    public Task<Stream> OpenChecksumsReadAsync(BackupSetInfo set, CancellationToken cancellationToken) =>
        OpenReadAsync(set, BackupSetLayout.ChecksumsFileName, cancellationToken);

    private Task<Stream> OpenReadAsync(BackupSetInfo set, string fileName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = Path.Combine(SetPath(set), fileName);
        try
        {
            return Task.FromResult<Stream>(new FileStream(path, LocalFileSystem.ReadOptions()));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"Backup set {set.Job}/{set.DirectoryName} has no file '{fileName}' (looked for '{path}').", path, ex);
        }
    }

    public async Task UpdateManifestAsync(BackupSetInfo set, BackupManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var setPath = SetPath(set);
        if (!string.Equals(manifest.Job, set.Job, StringComparison.Ordinal) || manifest.RunId != set.RunId)
        {
            throw new ArgumentException(
                $"The manifest is for job '{manifest.Job}' run {manifest.RunId}, not for backup set {set.Job}/{set.DirectoryName}.", nameof(manifest));
        }

        // Writing a manifest into an incomplete set would make it look complete.
        if (!File.Exists(Path.Combine(setPath, BackupSetLayout.ManifestFileName)))
        {
            throw new InvalidOperationException($"Backup set {set.Job}/{set.DirectoryName} has no manifest.json; only a complete set's manifest can be updated.");
        }

        await AtomicFile.WriteAsync(setPath, BackupSetLayout.ManifestFileName, ManifestSerializer.SerializeToUtf8Bytes(manifest), cancellationToken);
    }

    public Task<int> SweepPartialsAsync(string job, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidJobName(job);
        var jobPath = Path.Combine(RootPath, job);
        var removed = 0;
        if (!Directory.Exists(jobPath))
        {
            return Task.FromResult(removed);
        }

        foreach (var setPath in Directory.EnumerateDirectories(jobPath))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!BackupSetLayout.TryParseSetName(Path.GetFileName(setPath), out _, out _) || _writing.ContainsKey(setPath))
            {
                continue;
            }

            foreach (var partial in Directory.EnumerateFiles(setPath, "." + "*" + BackupSetLayout.PartialSuffix))
            {
                LocalFileSystem.DeleteFileIfExists(partial);
                removed++;
            }
        }

        return Task.FromResult(removed);
    }

    private static async Task<BackupSetInfo> ReadSetAsync(
        string job, string directoryName, string setPath, DateTimeOffset nameTime, RunId runId, CancellationToken cancellationToken)
    {
        var info = new BackupSetInfo
        {
            Job = job,
            DirectoryName = directoryName,
            RunId = runId,
            StartedAt = nameTime,
            State = BackupSetState.Incomplete,
            TotalStoredBytes = 0,
            ArtifactCount = 0,
        };

        long totalBytes = 0;
        var artifactFiles = 0;
        try
        {
            foreach (var file in new DirectoryInfo(setPath).EnumerateFiles())
            {
                totalBytes += file.Length;
                if (BackupSetLayout.IsValidArtifactName(file.Name))
                {
                    artifactFiles++;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return info with { State = BackupSetState.Corrupt, Problem = $"The set directory cannot be read: {ex.Message}" };
        }

        info = info with { TotalStoredBytes = totalBytes, ArtifactCount = artifactFiles };
        var manifestPath = Path.Combine(setPath, BackupSetLayout.ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            return info with
            {
                Problem = "No manifest.json: the run is still going, it stopped before finishing (crash or restart), or a delete was interrupted.",
            };
        }

        BackupManifest manifest;
        try
        {
            manifest = ManifestSerializer.Deserialize(await ReadManifestBytesAsync(manifestPath, cancellationToken));
        }
        catch (Exception ex) when (ex is ManifestFormatException or IOException or UnauthorizedAccessException)
        {
            return info with { State = BackupSetState.Corrupt, Problem = ex.Message };
        }

        if (!string.Equals(manifest.Job, job, StringComparison.Ordinal) || manifest.RunId != runId)
        {
            return info with
            {
                State = BackupSetState.Corrupt,
                Problem = $"manifest.json belongs to job '{manifest.Job}' run {manifest.RunId}, not to this directory ({job}/{directoryName}); it was probably copied from another set.",
            };
        }

        return info with
        {
            State = BackupSetState.Complete,
            Manifest = manifest,
            StartedAt = manifest.StartedAt,
            ArtifactCount = manifest.Artifacts.Count,
        };
    }

    private static async Task<byte[]> ReadManifestBytesAsync(string path, CancellationToken cancellationToken)
    {
        var length = new FileInfo(path).Length;
        if (length > ManifestSerializer.MaxManifestBytes)
        {
            throw new ManifestFormatException($"manifest.json is {length} bytes, more than the {ManifestSerializer.MaxManifestBytes} bytes a manifest may have.");
        }

        return await File.ReadAllBytesAsync(path, cancellationToken);
    }

    private string SetPath(BackupSetInfo set)
    {
        ArgumentNullException.ThrowIfNull(set);

        // Names come from a listing, but the info is a plain record: never let it point outside the root.
        BackupSetLayout.ThrowIfInvalidJobName(set.Job);
        if (!BackupSetLayout.TryParseSetName(set.DirectoryName, out _, out _))
        {
            throw new ArgumentException($"'{set.DirectoryName}' is not a backup set directory name (yyyyMMddTHHmmssZ-<run id>).", nameof(set));
        }

        return Path.Combine(RootPath, set.Job, set.DirectoryName);
    }

    private void OnSetClosed(LocalBackupSetWriter writer) => _writing.TryRemove(writer.SetPath, out _);
}
