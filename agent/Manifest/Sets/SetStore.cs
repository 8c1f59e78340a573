using System.Collections.Concurrent;
using VolumeAgent.Storage;

namespace VolumeAgent.Manifest.Sets;

/// <summary>
/// Backup sets in any storage: the set format (names, SHA256SUMS, manifest.json last, manifest first out) over the
/// byte operations of one <see cref="IObjectStore"/>. Every storage type is used through this, so each behaves the
/// same in listing, writing, updating, deleting and sweeping.
/// </summary>
internal sealed class SetStore : IBackupStore
{
    private readonly ConcurrentDictionary<SetAddress, SetWriter> _writing = new();

    /// <param name="node">The Swarm node whose sets this store writes (under <c>&lt;job&gt;@&lt;node&gt;</c>); null on a single host.</param>
    public SetStore(IObjectStore objects, string? node = null)
    {
        ArgumentNullException.ThrowIfNull(objects);
        if (node is not null && !BackupSetLayout.IsValidJobName(node))
        {
            throw new ArgumentException($"'{node}' cannot be used as a node name in storage.", nameof(node));
        }

        Objects = objects;
        Node = node;
    }

    public string? Node { get; }

    /// <summary>The storage's own operations.</summary>
    public IObjectStore Objects { get; }

    public string Location => Objects.Location;

    public Task CheckWritableAsync(CancellationToken cancellationToken) => Objects.CheckWritableAsync(cancellationToken);

    public async Task<IBackupSetWriter> BeginSetAsync(string job, DateTimeOffset startedUtc, RunId runId, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidJobName(job);
        cancellationToken.ThrowIfCancellationRequested();
        var address = new SetAddress(BackupSetLayout.StorageJobName(job, Node), BackupSetLayout.FormatSetName(startedUtc, runId));
        await Objects.CreateSetAsync(address, cancellationToken);
        var writer = new SetWriter(Objects, address, runId, OnSetClosed) { Node = Node };
        _writing[address] = writer;
        return writer;
    }

    public IAsyncEnumerable<BackupSetInfo> ListSetsAsync(string? job, CancellationToken cancellationToken) =>
        SetReader.ListAsync(Objects, job, cancellationToken);

    public async Task DeleteSetAsync(BackupSetInfo set, CancellationToken cancellationToken)
    {
        var address = AddressOf(set);
        if (_writing.ContainsKey(address))
        {
            throw new InvalidOperationException($"Backup set {set.Job}/{set.DirectoryName} is still being written and cannot be deleted.");
        }

        await DeleteSetAsync(Objects, address, cancellationToken);
    }

    public Task<Stream> OpenArtifactReadAsync(BackupSetInfo set, string fileName, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidArtifactName(fileName);
        return Objects.OpenReadAsync(AddressOf(set), fileName, cancellationToken);
    }

    public Task<Stream> OpenChecksumsReadAsync(BackupSetInfo set, CancellationToken cancellationToken) =>
        Objects.OpenReadAsync(AddressOf(set), BackupSetLayout.ChecksumsFileName, cancellationToken);

    public async Task UpdateManifestAsync(BackupSetInfo set, BackupManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var address = AddressOf(set);
        if (!string.Equals(manifest.Job, set.Job, StringComparison.Ordinal) || manifest.RunId != set.RunId)
        {
            throw new ArgumentException(
                $"The manifest is for job '{manifest.Job}' run {manifest.RunId}, not for backup set {set.Job}/{set.DirectoryName}.", nameof(manifest));
        }

        // Writing a manifest into an incomplete set would make it look complete.
        var objects = await Objects.ListObjectsAsync(address, cancellationToken);
        if (!objects.Any(o => string.Equals(o.Name, BackupSetLayout.ManifestFileName, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"Backup set {set.Job}/{set.DirectoryName} has no manifest.json; only a complete set's manifest can be updated.");
        }

        await Objects.PutAsync(address, BackupSetLayout.ManifestFileName, ManifestSerializer.SerializeToUtf8Bytes(manifest), cancellationToken);
    }

    public async Task<int> SweepPartialsAsync(string job, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidJobName(job);
        var removed = 0;
        var storageJob = BackupSetLayout.StorageJobName(job, Node);
        await foreach (var name in Objects.ListSetsAsync(storageJob, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var address = new SetAddress(storageJob, name);
            if (!BackupSetLayout.TryParseSetName(name, out _, out _) || _writing.ContainsKey(address))
            {
                continue;
            }

            foreach (var stored in await Objects.ListObjectsAsync(address, cancellationToken))
            {
                if (BackupSetLayout.IsPartialName(stored.Name))
                {
                    await Objects.DeleteAsync(address, stored.Name, cancellationToken);
                    removed++;
                }
            }
        }

        return removed;
    }

    public async Task RefreshLatestAsync(string job, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidJobName(job);
        BackupSetInfo? newest = null;
        await foreach (var set in ListSetsAsync(job, cancellationToken))
        {
            if (set.IsGoodBackup && set.Node == Node)
            {
                newest = set;
            }
        }

        await Objects.PointLatestAsync(BackupSetLayout.StorageJobName(job, Node), newest?.DirectoryName, cancellationToken);
    }

    public Task PointLatestAsync(string job, string setName, CancellationToken cancellationToken)
    {
        BackupSetLayout.ThrowIfInvalidJobName(job);
        ThrowIfNotASetName(setName, nameof(setName));
        return Objects.PointLatestAsync(BackupSetLayout.StorageJobName(job, Node), setName, cancellationToken);
    }

    /// <summary>
    /// Removes a set: manifest.json first, so an interrupted delete leaves a set that lists as incomplete, never one
    /// that looks complete but lacks files; then everything else.
    /// </summary>
    internal static async Task DeleteSetAsync(IObjectStore objects, SetAddress address, CancellationToken cancellationToken)
    {
        await objects.DeleteAsync(address, BackupSetLayout.ManifestFileName, cancellationToken);
        await objects.DeleteSetAsync(address, cancellationToken);
    }

    private static SetAddress AddressOf(BackupSetInfo set)
    {
        ArgumentNullException.ThrowIfNull(set);

        // Names come from a listing, but the info is a plain record: never let it name something outside a set.
        BackupSetLayout.ThrowIfInvalidJobName(set.Job);
        ThrowIfNotASetName(set.DirectoryName, nameof(set));
        return new SetAddress(BackupSetLayout.StorageJobName(set.Job, set.Node), set.DirectoryName);
    }

    private static void ThrowIfNotASetName(string name, string parameter)
    {
        if (!BackupSetLayout.TryParseSetName(name, out _, out _))
        {
            throw new ArgumentException($"'{name}' is not a backup set directory name (yyyyMMddTHHmmssZ-<run id>).", parameter);
        }
    }

    private void OnSetClosed(SetWriter writer) => _writing.TryRemove(writer.Address, out _);
}
