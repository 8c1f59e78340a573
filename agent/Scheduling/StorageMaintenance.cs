using Serilog;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Scheduling;

/// <summary>
/// The daemon's schedule of storage upkeep (<see cref="IScheduledMaintenance"/>: a restic storage's
/// <c>prune_schedule</c>). Each firing first takes the job lock of every job that writes to the storage (the lock a run
/// holds, in this process or a <c>run-now</c> of another), waiting while one runs, so the upkeep never overlaps a backup
/// to it; a backup whose schedule fires meanwhile is skipped as for any overlap. A failure is logged and the schedule
/// carries on.
/// </summary>
internal sealed class StorageMaintenance
{
    /// <summary>The name prefix of a storage's entry in the scheduler (its log lines say "Job prune:vault").</summary>
    public const string Prefix = "prune:";

    private static readonly TimeSpan LockPoll = TimeSpan.FromSeconds(5);
    private readonly BackupPolicy _policy;
    private readonly IReadOnlyDictionary<string, IBackupStore> _stores;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    private StorageMaintenance(BackupPolicy policy, IReadOnlyDictionary<string, IBackupStore> stores, TimeProvider time, ILogger log)
    {
        _policy = policy;
        _stores = stores;
        _time = time;
        _log = log;
    }

    /// <summary>The scheduler of every storage with a maintenance schedule (none: it has nothing to run).</summary>
    public static JobScheduler Create(BackupPolicy policy, IReadOnlyDictionary<string, IBackupStore> stores, TimeProvider time, ILogger log, TimeSpan shutdownGrace)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(stores);
        var maintenance = new StorageMaintenance(policy, stores, time, log);
        var scheduled = stores
            .Where(s => ScheduledMaintenance.Of(s.Value) is not null)
            .Select(s => new ScheduledJob(Prefix + s.Key, new ZonedCron(ScheduledMaintenance.Of(s.Value)!.MaintenanceSchedule!, policy.TimeZone)))
            .ToList();
        return new JobScheduler(scheduled, (name, _, ct) => maintenance.RunAsync(name[Prefix.Length..], ct), time, log, shutdownGrace: shutdownGrace);
    }

    private async Task RunAsync(string storage, CancellationToken cancellationToken)
    {
        var maintenance = ScheduledMaintenance.Of(_stores[storage])!;
        var jobs = _policy.Jobs.Where(j => j.StorageNames.Contains(storage, StringComparer.Ordinal)).Select(j => j.Name).Order(StringComparer.Ordinal).ToList();
        var locks = new List<JobLock>();
        try
        {
            // In name order, one at a time; a job that runs is waited for, holding the locks already taken.
            foreach (var job in jobs)
            {
                JobLock? taken;
                while ((taken = JobLock.TryAcquire(_policy.StateDir, job)) is null)
                {
                    await Task.Delay(LockPoll, _time, cancellationToken);
                }

                locks.Add(taken);
            }

            var done = await maintenance.RunMaintenanceAsync(cancellationToken);
            _log.ForEvent(LogEvents.RepositoryPruned).Information("Storage {Storage}: {Done}", storage, done);
        }
        catch (StorageException ex)
        {
            _log.ForEvent(LogEvents.RepositoryPruneFailed).Error("Storage {Storage}: the scheduled upkeep failed: {Error}", storage, ex.Message);
        }
        finally
        {
            foreach (var taken in locks)
            {
                taken.Dispose();
            }
        }
    }
}
