using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Scheduling;
using VolumeAgent.Storage;

namespace VolumeAgent.Control.Status;

/// <summary>
/// The status report without a daemon: each job's newest set in its storages (one row per Swarm node that wrote some,
/// named <c>&lt;job&gt;@&lt;node&gt;</c>), and its schedule's next instant.
/// </summary>
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
            // The newest set of each Swarm node (key: the node, "" for a single host's), one row each: <job>@<node>.
            var newest = new SortedDictionary<string, BackupSetInfo>(StringComparer.Ordinal);
            foreach (var storage in job.StorageNames)
            {
                await foreach (var set in stores[storage].ListSetsAsync(job.Name, cancellationToken))
                {
                    var node = set.Node ?? string.Empty;
                    if (!newest.TryGetValue(node, out var known) || set.StartedAt > known.StartedAt)
                    {
                        newest[node] = set;
                    }
                }
            }

            IEnumerable<(string Node, BackupSetInfo? Set)> rows = newest.Count == 0 ? [(string.Empty, null)] : newest.Select(n => (n.Key, (BackupSetInfo?)n.Value));
            foreach (var (node, set) in rows)
            {
                jobs.Add(new JobStatus
                {
                    Job = BackupSetLayout.StorageJobName(job.Name, node.Length == 0 ? null : node),
                    Schedule = job.Schedule?.Expression,
                    NextRun = NextAfter(job.Schedule, policy.TimeZone, now),
                    LastRun = set is null ? null : RunRecord.From(set),
                    VerifySchedule = job.Verify?.Schedule?.Expression,
                    NextVerify = NextAfter(job.Verify?.Schedule, policy.TimeZone, now),
                });
            }
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
