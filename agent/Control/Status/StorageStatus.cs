using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Scheduling;
using VolumeAgent.Storage;

namespace VolumeAgent.Control.Status;

/// <summary>The status report without a daemon: each job's newest set in its storages, and its schedule's next instant.</summary>
internal static class StorageStatus
{
    public static async Task<AgentStatus> ReadAsync(
        BackupPolicy policy, IReadOnlyDictionary<string, IBackupStore> stores, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        var jobs = new List<JobStatus>();
        foreach (var job in policy.Jobs)
        {
            BackupSetInfo? newest = null;
            foreach (var storage in job.StorageNames)
            {
                await foreach (var set in stores[storage].ListSetsAsync(job.Name, cancellationToken))
                {
                    if (newest is null || set.StartedAt > newest.StartedAt)
                    {
                        newest = set;
                    }
                }
            }

            jobs.Add(new JobStatus
            {
                Job = job.Name,
                Schedule = job.Schedule?.Expression,
                NextRun = NextAfter(job.Schedule, policy.TimeZone, now),
                LastRun = newest is null ? null : RunRecord.From(newest),
                VerifySchedule = job.Verify?.Schedule?.Expression,
                NextVerify = NextAfter(job.Verify?.Schedule, policy.TimeZone, now),
            });
        }

        return new AgentStatus
        {
            DaemonRunning = false,
            AgentVersion = AgentInfo.Version,
            TimeZone = policy.TimeZone.Id,
            GeneratedAt = now,
            Jobs = jobs,
        };
    }

    internal static DateTimeOffset? NextAfter(CronExpression? schedule, TimeZoneInfo zone, DateTimeOffset now) =>
        schedule is null ? null : new ZonedCron(schedule, zone).NextAfter(now);
}
