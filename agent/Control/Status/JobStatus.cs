namespace VolumeAgent.Control.Status;

/// <summary>One job in a status report.</summary>
internal sealed record JobStatus
{
    public required string Job { get; init; }

    /// <summary>The cron expression as written; null for a job that runs only on demand.</summary>
    public string? Schedule { get; init; }

    /// <summary>The next scheduled start (before jitter); null when the job has no schedule.</summary>
    public DateTimeOffset? NextRun { get; init; }

    /// <summary>The run going on now, if any (known only to the daemon).</summary>
    public RunningRun? Running { get; init; }

    public RunRecord? LastRun { get; init; }

    /// <summary>Scheduled runs skipped because a run of the job was still going (known only to the daemon).</summary>
    public SkippedRuns? Skipped { get; init; }

    /// <summary>The verification schedule, when the job has one.</summary>
    public string? VerifySchedule { get; init; }

    public DateTimeOffset? NextVerify { get; init; }
}
