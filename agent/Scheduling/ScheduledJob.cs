namespace VolumeAgent.Scheduling;

/// <summary>A job as the scheduler sees it: when it fires, and how much random delay spreads its start.</summary>
/// <param name="Jitter">Each firing starts after a random delay in [0, Jitter); null or zero starts it at once.</param>
internal sealed record ScheduledJob(string JobName, ZonedCron Schedule, TimeSpan? Jitter = null);
