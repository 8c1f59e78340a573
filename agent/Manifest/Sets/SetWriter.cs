using VolumeAgent.Storage;

namespace VolumeAgent.Manifest.Sets;

/// <summary>
/// Writes one set of a <see cref="SetStore"/>, the same way in every storage: artifacts under their own names,
/// then SHA256SUMS of the committed ones, then manifest.json last, which makes the set complete.
/// </summary>
internal sealed class SetWriter : IBackupSetWriter
{
    private readonly IObjectStore _objects;
    private readonly Action<SetWriter> _onClosed;
    private readonly Lock _gate = new();

    // A null value reserves a name while its partial file is being created.
    private readonly Dictionary<string, SetArtifactWriter?> _open = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, CommittedArtifact> _committed = new(StringComparer.Ordinal);
    private bool _completing;
    private bool _completed;
    private bool _discarded;
    private bool _disposed;

    public SetWriter(IObjectStore objects, SetAddress address, RunId runId, Action<SetWriter> onClosed)
    {
        _objects = objects;
        Address = address;
        RunId = runId;
        _onClosed = onClosed;
    }

    /// <summary>The job (the directory of a Swarm node's set is <c>&lt;job&gt;@&lt;node&gt;</c>).</summary>
    public string Job => BackupSetLayout.SplitStorageJobName(Address.Job).Job;

    /// <summary>The Swarm node writing the set, recorded in its manifest; null on a single host.</summary>
    public string? Node { get; init; }

    public RunId RunId { get; }

    public string DirectoryName => Address.Name;

    public SetAddress Address { get; }

    /// <summary>The storage's own operations (a run asks them whether they store file trees themselves).</summary>
    public IObjectStore Objects => _objects;

    public async Task<IArtifactWriter> CreateArtifactAsync(string fileName, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidArtifactName(fileName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfClosed();
            if (_open.ContainsKey(fileName) || _committed.ContainsKey(fileName))
            {
                throw new InvalidOperationException($"Artifact '{fileName}' was already created in backup set {Job}/{DirectoryName}: every artifact of a set needs its own file name.");
            }

            _open.Add(fileName, null);
        }

        SetArtifactWriter writer;
        try
        {
            writer = new SetArtifactWriter(this, fileName, await _objects.StartUploadAsync(Address, fileName, cancellationToken));
        }
        catch
        {
            OnArtifactRemoved(fileName);
            throw;
        }

        lock (_gate)
        {
            _open[fileName] = writer;
        }

        return writer;
    }

    public async Task CompleteAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (!string.Equals(manifest.Job, Job, StringComparison.Ordinal) || manifest.RunId != RunId)
        {
            throw new ArgumentException(
                $"The manifest is for job '{manifest.Job}' run {manifest.RunId}, but this set is job '{Job}' run {RunId}.", nameof(manifest));
        }

        lock (_gate)
        {
            ThrowIfClosed();

            // No new artifact may start while the file list is being fixed.
            _completing = true;
        }

        try
        {
            await AbortOpenArtifactsAsync();
            List<KeyValuePair<string, CommittedArtifact>> committed;
            lock (_gate)
            {
                committed = [.. _committed];
            }

            ThrowIfManifestDisagrees(manifest, committed);
            var manifestBytes = ManifestSerializer.SerializeToUtf8Bytes(Node is null ? manifest : manifest with { Node = Node });
            var sums = ChecksumsFile.Format(committed.Select(pair => (pair.Key, pair.Value.Sha256)));
            try
            {
                await _objects.PutManyAsync(Address, [(BackupSetLayout.ChecksumsFileName, sums), (BackupSetLayout.ManifestFileName, manifestBytes)], cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw await DiscardAsync(ex);
            }
        }
        catch
        {
            lock (_gate)
            {
                _completing = false;
            }

            throw;
        }

        lock (_gate)
        {
            _completed = true;
        }

        _onClosed(this);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await AbortOpenArtifactsAsync();
        _onClosed(this);
    }

    internal void OnArtifactCommitted(string fileName, string sha256, long storedBytes)
    {
        lock (_gate)
        {
            _open.Remove(fileName);
            _committed[fileName] = new CommittedArtifact(sha256, storedBytes);
        }
    }

    internal void OnArtifactRemoved(string fileName)
    {
        lock (_gate)
        {
            _open.Remove(fileName);
        }
    }

    /// <summary>
    /// The manifest and SHA256SUMS must describe the same files: a manifest never names a file the set
    /// lacks, and no stored file goes unexplained.
    /// </summary>
    private void ThrowIfManifestDisagrees(BackupManifest manifest, List<KeyValuePair<string, CommittedArtifact>> committed)
    {
        var problems = new List<string>();
        var named = new HashSet<string>(StringComparer.Ordinal);
        var byName = committed.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        // A file a snapshot of this storage replaces is stored elsewhere only (IFileTreeStore).
        var storage = (_objects as IFileTreeStore)?.StorageName;
        foreach (var artifact in manifest.Artifacts)
        {
            if (artifact?.File is not { } file || (storage is not null && !artifact.IsHeldBy(storage, manifest.Artifacts)))
            {
                continue;
            }

            if (!named.Add(file))
            {
                problems.Add($"'{file}' is listed twice");
            }
            else if (!byName.TryGetValue(file, out var stored))
            {
                problems.Add($"'{file}' was not committed to the set (a failed artifact without a kept file has file null)");
            }
            else if (!string.Equals(artifact.Sha256, stored.Sha256, StringComparison.Ordinal))
            {
                problems.Add($"'{file}' has sha256 {artifact.Sha256 ?? "null"} in the manifest but {stored.Sha256} was committed");
            }
            else if (artifact.StoredBytes != stored.Bytes)
            {
                problems.Add($"'{file}' has stored_bytes {artifact.StoredBytes} in the manifest but {stored.Bytes} bytes were written");
            }
        }

        foreach (var (name, _) in committed)
        {
            if (!named.Contains(name))
            {
                problems.Add($"committed file '{name}' is not in the manifest");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                $"The manifest of backup set {Job}/{DirectoryName} does not match the files written: {string.Join("; ", problems)}.");
        }
    }

    /// <summary>
    /// Removes the set whose SHA256SUMS or manifest could not be written: without its manifest it is no backup,
    /// and its artifacts would only hold space (on a full disk, the space the next run needs).
    /// </summary>
    private async Task<StorageException> DiscardAsync(Exception cause)
    {
        lock (_gate)
        {
            _discarded = true;
        }

        var location = _objects.Describe(Address);
        string outcome;
        try
        {
            await SetStore.DeleteSetAsync(_objects, Address, CancellationToken.None);
            outcome = $"The set was removed ('{location}'): without its manifest it is no backup.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            outcome = $"Its directory '{location}' could not be removed either ({ex.Message}); it lists as incomplete, and retention deletes it once a newer set of the job succeeds.";
        }

        _onClosed(this);
        return new StorageException($"Backup set {Job}/{DirectoryName} could not be completed: {cause.Message} {outcome}", cause)
        {
            Path = (cause as StorageException)?.Path ?? location,
        };
    }

    private async Task AbortOpenArtifactsAsync()
    {
        List<SetArtifactWriter> open;
        lock (_gate)
        {
            open = [.. _open.Values.OfType<SetArtifactWriter>()];
        }

        foreach (var writer in open)
        {
            await writer.AbortAsync();
        }
    }

    private void ThrowIfClosed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_discarded)
        {
            throw new InvalidOperationException($"Backup set {Job}/{DirectoryName} was removed: its manifest could not be written.");
        }

        if (_completed || _completing)
        {
            throw new InvalidOperationException($"Backup set {Job}/{DirectoryName} is already {(_completed ? "complete" : "being completed")}.");
        }
    }

    private readonly record struct CommittedArtifact(string Sha256, long Bytes);
}
