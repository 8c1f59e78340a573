using VolumeAgent.Policy;

namespace VolumeAgent.Scheduling;

/// <summary>The scheduler's view of backup.yml: the jobs with a <c>schedule</c>, and the jobs with a <c>verify.schedule</c>.</summary>
internal static class PolicySchedules
{
    public static IReadOnlyList<ScheduledJob> Backups(BackupPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Jobs
            .Where(j => j.Schedule is not null)
            .Select(j => new ScheduledJob(j.Name, new ZonedCron(j.Schedule!, policy.TimeZone), j.Jitter))
            .ToList();
    }

    public static IReadOnlyList<ScheduledJob> Verifications(BackupPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Jobs
            .Where(j => j.Verify?.Schedule is not null)
            .Select(j => new ScheduledJob(j.Name, new ZonedCron(j.Verify!.Schedule!, policy.TimeZone)))
            .ToList();
    }
}
