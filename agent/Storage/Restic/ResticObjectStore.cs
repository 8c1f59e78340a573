using System.Runtime.CompilerServices;
using Serilog.Core;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage.Restic;

/// <summary>
/// A restic repository as the set store's byte operations: each artifact of a set is one snapshot of
/// <c>/&lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c>, made by <c>restic backup --stdin</c> and tagged with the job, set, run id and
/// object (<see cref="ResticUpload.TagsOf"/>); the set's SHA256SUMS and manifest.json are one snapshot of the directory
/// <c>/&lt;job&gt;/&lt;set&gt;</c> (<see cref="ResticSetFiles"/>; sets written before hold them as a snapshot each, and read
/// the same). Sets are listed from <c>restic snapshots --json</c>; objects are read back by <c>restic dump</c>, sets
/// deleted by <c>restic forget</c> of their snapshots and <c>restic prune</c>. There is no latest pointer.
/// </summary>
internal sealed class ResticObjectStore : IObjectStore, IRepositoryCheck, IFileTreeStore, IScheduledMaintenance
{
    /// <summary>The tag on every snapshot the agent writes; listings see only these.</summary>
    public const string AgentTag = "volume-agent";

    /// <summary>
    /// One engine connection for every restic storage of the process (an object store is never disposed). A storage
    /// gets no logger: a helper it could not remove is removed, and reported, by the next start's leftover sweep.
    /// </summary>
    private static readonly Lazy<IDockerEngine> SharedEngine = new(() => DockerEngine.FromEnvironment(Logger.None));

    private readonly ResticStorageOptions _options;
    private readonly ResticHelper _restic;
    private readonly ResticTrees _trees;
    private readonly ResticSnapshots _snapshots;

    public ResticObjectStore(ResticStorageOptions options, IDockerEngine? docker = null)
    {
        _options = options;
        _restic = new ResticHelper(options, docker ?? SharedEngine.Value, Logger.None);
        _snapshots = new ResticSnapshots(_restic);
        _trees = new ResticTrees(_restic, _snapshots.ParentsAsync);
    }

    public string StorageName => _options.Name;

    public Scheduling.CronExpression? MaintenanceSchedule => _options.PruneSchedule;

    /// <summary><c>restic prune</c> on <c>prune_schedule</c>; a lock another process holds fails it, naming <c>restic unlock</c>.</summary>
    public async Task<string> RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        await _restic.CaptureAsync(["prune"], cancellationToken);
        return $"restic prune of repository {_options.Repository}";
    }

    /// <summary>A volume or host path backed up by restic itself, against the source's previous snapshot (<see cref="ResticTrees"/>).</summary>
    public async Task<FileTreeBackup> BackUpTreeAsync(SetAddress set, FileTreeSource source, Action progress, CancellationToken cancellationToken)
    {
        var backup = await _trees.BackUpAsync(set, source, progress, cancellationToken);
        _snapshots.Invalidate();

        // restic's summary names the snapshot by its short id: the manifest records the full one.
        var full = await _snapshots.FullIdAsync(backup.Snapshot.Id, cancellationToken);
        return backup with { Snapshot = backup.Snapshot with { Id = full } };
    }

    public Task<string?> CheckTreeAsync(ManifestSnapshot snapshot, CancellationToken cancellationToken) => _trees.CheckAsync(snapshot, cancellationToken);

    public Task RestoreTreeAsync(ManifestSnapshot snapshot, MountSpec target, CancellationToken cancellationToken) => _trees.RestoreAsync(snapshot, target, cancellationToken);

    public Task<IReadOnlyList<FileTreeEntry>> ListTreeAsync(ManifestSnapshot snapshot, string root, CancellationToken cancellationToken) =>
        _trees.ListAsync(snapshot, root, cancellationToken);

    public string Location => "restic repository " + _options.Repository;

    public string Describe(SetAddress set) => $"the snapshots tagged set={set.Name} in restic repository {_options.Repository}";

    /// <summary>
    /// The repository opens with the password, checked by listing its snapshots (the list the run's trees need next,
    /// so one helper does both); a missing repository is created with <c>init: true</c> by a restic new enough, else
    /// refused with the fix. A helper that cannot run restic, or a failure restic's message does not explain, is
    /// explained by the helper image's restic version (<see cref="ResticHelper.FailureAsync"/>).
    /// </summary>
    public async Task CheckWritableAsync(CancellationToken cancellationToken)
    {
        // A local repository is bind-mounted into every helper, so its directory must be there before the first one.
        if (_options.IsLocal)
        {
            _options.PrepareLocalDirectory();
        }

        long exit;
        string stderr;
        try
        {
            (exit, stderr) = await _snapshots.TryListAsync(cancellationToken);
        }
        catch (StorageException)
        {
            await _restic.CheckVersionAsync(cancellationToken);
            throw;
        }

        if (exit == 0)
        {
            return;
        }

        if (!ResticErrors.IsMissing(stderr) || !_options.Init)
        {
            throw await _restic.FailureAsync("snapshots", exit, stderr, cancellationToken);
        }

        await _restic.CheckVersionAsync(cancellationToken);
        await _restic.CaptureAsync(["init"], cancellationToken);
        _snapshots.SetEmpty();
    }

    /// <summary>The helper image's restic version, refused when too old (see <see cref="ResticHelper.CheckVersionAsync"/>).</summary>
    public Task<Version> CheckVersionAsync(CancellationToken cancellationToken) => _restic.CheckVersionAsync(cancellationToken);

    /// <summary>How messages name the helper image: the configured one, or the agent's own once resolved.</summary>
    public string ImageShown => _restic.ImageShown;

    /// <summary>Nothing to make: a set exists once its first object's snapshot does.</summary>
    public Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        _snapshots.Invalidate();
        return await ResticUpload.StartAsync(_restic, set, name, cancellationToken);
    }

    /// <summary>
    /// A small object as its own snapshot (a manifest verify updates; the closing files <see cref="PutManyAsync"/> cannot
    /// put together); a newer snapshot of the same name is the one listed.
    /// </summary>
    public async Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        // restic backup --stdin refuses an empty input: the empty SHA256SUMS of a set whose only artifacts are trees is
        // stored as one blank line, which reads as the same empty list.
        if (content.IsEmpty && name == BackupSetLayout.ChecksumsFileName)
        {
            content = "\n"u8.ToArray();
        }

        _snapshots.Invalidate();
        var upload = await ResticUpload.StartAsync(_restic, set, name, cancellationToken);
        await using (upload)
        {
            await upload.Stream.WriteAsync(content, cancellationToken);
            await upload.CommitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The set's closing objects as ONE snapshot in one helper (<see cref="ResticSetFiles"/>): all of them or none. A
    /// single object, or a job whose directory the helper's own mounts would hide, is put object by object as before.
    /// </summary>
    public async Task PutManyAsync(SetAddress set, IReadOnlyList<(string Name, ReadOnlyMemory<byte> Content)> objects, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objects);
        if (objects.Count < 2 || !ResticSetFiles.CanHold(set))
        {
            await IObjectStore.PutEachAsync(this, set, objects, cancellationToken);
            return;
        }

        _snapshots.Invalidate();
        await ResticSetFiles.WriteAsync(_restic, set, objects, cancellationToken);
    }

    /// <summary>
    /// An object read back with <c>restic dump</c> of its newest snapshot: the manifest and SHA256SUMS read whole, an
    /// artifact streamed from the helper's output (<see cref="ResticDumpStream"/>).
    /// </summary>
    public async Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        var path = ResticSetFiles.PathOf(set, name);
        var snapshot = (await _snapshots.NewestByPathAsync(cancellationToken)).GetValueOrDefault(path)
            ?? throw new FileNotFoundException($"The restic repository {_options.Repository} has no snapshot of {set}/{name}.", path);
        if (name is BackupSetLayout.ManifestFileName or BackupSetLayout.ChecksumsFileName)
        {
            return new MemoryStream(await _restic.CaptureAsync(["dump", snapshot.Id, path], cancellationToken), writable: false);
        }

        return await ResticDumpStream.OpenAsync(_restic, snapshot.Id, path, cancellationToken);
    }

    /// <summary>
    /// <c>restic check</c> of the whole repository (its structure and indexes; pack contents are read by dumping each
    /// artifact), with <c>--read-data-subset</c> when the storage's <c>check_read_data_subset</c> asks for it.
    /// </summary>
    public async Task<string?> CheckRepositoryAsync(CancellationToken cancellationToken)
    {
        var (exit, _, stderr) = await _restic.TryCaptureAsync(
            _options.CheckReadDataSubset is { } subset ? ["check", "--read-data-subset", subset] : ["check"], cancellationToken);
        return exit == 0 ? null : ResticErrors.Failed(_options, "check", exit, stderr).Message;
    }

    public async IAsyncEnumerable<string> ListJobsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var job in (await ObjectsAsync(cancellationToken)).Select(o => o.Job).Distinct(StringComparer.Ordinal))
        {
            yield return job;
        }
    }

    public async IAsyncEnumerable<string> ListSetsAsync(string job, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var set in (await ObjectsAsync(cancellationToken)).Where(o => o.Job == job).Select(o => o.Set).Distinct(StringComparer.Ordinal))
        {
            yield return set;
        }
    }

    /// <summary>The set's objects; their lengths are unknown to a snapshot listing and given as 0 (the manifest has each artifact's size).</summary>
    public async Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken) =>
        [.. (await ObjectsAsync(cancellationToken)).Where(o => o.Job == set.Job && o.Set == set.Name).Select(o => new StoredObject(o.Name, 0))];

    /// <summary>
    /// Forgets every snapshot holding the object (<c>restic forget</c> by id); its data goes with the set's <c>restic
    /// prune</c>. A snapshot that holds the set's other closing files too takes them with it when the object is the
    /// manifest (the set's commit marker: without it the set is incomplete, and its SHA256SUMS serve nothing, as when
    /// a set is deleted manifest first); for any other object the others are written again first, so only it goes.
    /// </summary>
    public async Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        var path = ResticSetFiles.PathOf(set, name);
        var snapshots = await _snapshots.GetAsync(cancellationToken);
        var holding = snapshots.Where(s => ResticSetFiles.ObjectPathsOf(s).Contains(path, StringComparer.Ordinal)).ToList();
        if (name != BackupSetLayout.ManifestFileName)
        {
            // The companions whose newest copy is in a snapshot about to be forgotten are kept, read back and written again.
            var newest = ResticSnapshots.NewestByPath(snapshots);
            var kept = new List<(string Name, ReadOnlyMemory<byte> Content)>();
            foreach (var companion in holding.SelectMany(ResticSetFiles.ObjectPathsOf).Where(p => p != path).Distinct(StringComparer.Ordinal))
            {
                if (holding.Contains(newest[companion]))
                {
                    var companionName = ResticSetFiles.Split(companion).Name;
                    kept.Add((companionName, await _restic.CaptureAsync(["dump", newest[companion].Id, companion], cancellationToken)));
                }
            }

            if (kept.Count > 0)
            {
                await PutManyAsync(set, [.. kept.OrderBy(k => k.Name == BackupSetLayout.ManifestFileName)], cancellationToken);
            }
        }

        await ForgetAsync(holding, prune: false, cancellationToken);
    }

    /// <summary>
    /// Forgets every snapshot tagged with the set (<c>restic forget</c> by id: restic forgets nothing by tag alone), then
    /// runs <c>restic prune</c> so the data only they used leaves the repository, unless <c>prune_schedule</c> leaves
    /// that to the daemon. A set without snapshots is a no-op.
    /// </summary>
    public async Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        var snapshots = (await _snapshots.GetAsync(cancellationToken)).Where(s => s.Tag("job") == set.Job && s.Tag("set") == set.Name).ToList();
        await ForgetAsync(snapshots, prune: _options.PruneSchedule is null, cancellationToken);
    }

    /// <summary>
    /// No pointer object: a repository's newest set of a job is <c>restic snapshots --tag job=&lt;job&gt; --latest 1</c>,
    /// and writing one would add a snapshot per run.
    /// </summary>
    public Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<IReadOnlyList<(string Job, string Set, string Name)>> ObjectsAsync(CancellationToken cancellationToken) =>
        [.. (await _snapshots.NewestByPathAsync(cancellationToken)).Keys.Select(ResticSetFiles.Split).Where(o => o.Job.Length > 0)];

    private async Task ForgetAsync(List<ResticSnapshot> snapshots, bool prune, CancellationToken cancellationToken)
    {
        if (snapshots.Count == 0)
        {
            return;
        }

        _snapshots.Invalidate();
        await _restic.CaptureAsync(["forget", .. snapshots.Select(s => s.Id)], cancellationToken);
        if (prune)
        {
            await _restic.CaptureAsync(["prune"], cancellationToken);
        }
    }
}
