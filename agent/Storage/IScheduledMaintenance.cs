using VolumeAgent.Manifest.Sets;
using VolumeAgent.Scheduling;

namespace VolumeAgent.Storage;

/// <summary>
/// An object store with upkeep of its own that the daemon runs on the storage's schedule rather than after every
/// delete (a restic repository's <c>restic prune</c> with <c>prune_schedule</c>). The daemon runs it holding the job
/// locks of every job that writes to the storage, so it never overlaps a backup to it
/// (<c>Scheduling/StorageMaintenance</c>).
/// </summary>
internal interface IScheduledMaintenance
{
    /// <summary>When to run it; null when the storage does its upkeep itself, after each delete.</summary>
    CronExpression? MaintenanceSchedule { get; }

    /// <summary>Runs it; returns what was done in one line.</summary>
    /// <exception cref="StorageException">It failed (a stale lock is reported, never removed); the message says why and the fix.</exception>
    Task<string> RunMaintenanceAsync(CancellationToken cancellationToken);
}

/// <summary>Finds a store's <see cref="IScheduledMaintenance"/> with a schedule, when it has one.</summary>
internal static class ScheduledMaintenance
{
    public static IScheduledMaintenance? Of(IBackupStore store) =>
        store is SetStore { Objects: IScheduledMaintenance { MaintenanceSchedule: not null } maintenance } ? maintenance : null;
}
