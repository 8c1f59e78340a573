using Serilog;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Retention;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>
/// Applies a job's retention to one store: plans from the manifests' times, then deletes what no rule keeps. A
/// restore's safety copies are planned apart, by <see cref="SafetyCopyRules"/>, so they never push a backup out.
/// </summary>
internal static class RetentionPruner
{
    /// <summary>Safety copies are kept for 30 days, and the newest three whatever their age.</summary>
    public static readonly RetentionRules SafetyCopyRules = new(3, 0, 0, 0, 0, 0, TimeSpan.FromDays(30));

    /// <summary>A run's retention: the job's rules applied to each of its storages in turn.</summary>
    /// <exception cref="RetentionFailedException">A storage could not be listed or a set not deleted.</exception>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<RetentionDecision>>> PruneAllAsync(
        JobOptions job, IReadOnlyDictionary<string, IBackupStore> stores, TimeZoneInfo zone, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(stores);
        var retention = new Dictionary<string, IReadOnlyList<RetentionDecision>>(StringComparer.Ordinal);
        foreach (var name in job.StorageNames)
        {
            try
            {
                retention[name] = await PruneAsync(stores[name], job.Name, job.Retention, zone, time.GetUtcNow(), dryRun: false, log, cancellationToken);
            }
            catch (IOException ex)
            {
                throw new RetentionFailedException(name, ex);
            }
        }

        return retention;
    }

    public static async Task<IReadOnlyList<RetentionDecision>> PruneAsync(
        IBackupStore store,
        string job,
        RetentionOptions? retention,
        TimeZoneInfo zone,
        DateTimeOffset now,
        bool dryRun,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var sets = new Dictionary<string, BackupSetInfo>(StringComparer.Ordinal);
        await foreach (var set in store.ListSetsAsync(job, cancellationToken))
        {
            // Each Swarm node's agent keeps its own sets by the rules; another node's are not its to count or delete.
            if (set.Node == store.Node)
            {
                sets[set.DirectoryName] = set;
            }
        }

        List<RetentionDecision> decisions =
        [
            .. RetentionPlanner.Plan(sets.Values.Where(s => !s.IsSafetyCopy).Select(ToCandidate), ToRules(retention), zone, now),
            .. RetentionPlanner.Plan(sets.Values.Where(s => s.IsSafetyCopy).Select(ToCandidate), SafetyCopyRules, zone, now),
        ];
        if (dryRun)
        {
            return decisions;
        }

        var deleted = 0;
        foreach (var decision in decisions.Where(d => !d.Keep))
        {
            await store.DeleteSetAsync(sets[decision.Set.Id], cancellationToken);
            deleted++;
            log.ForEvent(LogEvents.SetPruned).Information("Pruned set {Set} of job {Job} from {Store} ({Reasons})", decision.Set.Id, job, store.Location, string.Join(", ", decision.Reasons));
        }

        // Retention keeps the newest good set, which latest names; only after a deletion is the storage listed again,
        // in case latest named a set that is gone (one an older agent pointed at, say). Deleting nothing changes nothing.
        if (deleted > 0)
        {
            await LatestPointer.RefreshAsync(store, store.Location, job, log, cancellationToken);
        }

        return decisions;
    }

    internal static RetentionCandidate ToCandidate(BackupSetInfo set) => new(
        set.DirectoryName,
        set.StartedAt,
        set.State != BackupSetState.Complete ? RetentionSetState.Incomplete
            : set.Status == ManifestStatus.Succeeded ? RetentionSetState.Succeeded
            : RetentionSetState.Failed);

    internal static RetentionRules ToRules(RetentionOptions? options) => options is null
        ? RetentionRules.None
        : new RetentionRules(
            options.KeepLast, options.KeepHourly, options.KeepDaily, options.KeepWeekly, options.KeepMonthly, options.KeepYearly, options.KeepWithin);
}

/// <summary>A run's retention failed on a storage; the message is the storage's own, as before it was wrapped.</summary>
internal sealed class RetentionFailedException : StorageException
{
    public RetentionFailedException()
    {
    }

    public RetentionFailedException(string message)
        : base(message)
    {
    }

    public RetentionFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RetentionFailedException(string storage, IOException innerException)
        : base(innerException?.Message ?? string.Empty, innerException!)
    {
        Storage = storage;
    }

    /// <summary>The storage whose retention failed.</summary>
    public string? Storage { get; }
}
