using Serilog;
using VolumeAgent.Policy;
using VolumeAgent.Runs;

namespace VolumeAgent.Scheduling;

/// <summary>What the daemon calls when a job's <c>verify.schedule</c> fires: check the newest set, and with <c>drill</c> restore it.</summary>
internal delegate Task ScheduledVerificationHook(AgentSession session, JobOptions job, VerifyOptions verify, ILogger log, CancellationToken cancellationToken);

/// <summary>The hooks the daemon can be given for scheduled verification.</summary>
internal static class ScheduledVerification
{
    /// <summary>
    /// The hook until verification exists in this build: it says so at every firing, so a configured
    /// <c>verify.schedule</c> is never silently ignored.
    /// </summary>
    public static Task NotAvailableAsync(AgentSession session, JobOptions job, VerifyOptions verify, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(verify);
        ArgumentNullException.ThrowIfNull(log);
        log.ForContext("Job", job.Name).Warning(
            "Scheduled verification of job {Job}{Drill} is due, but verification is not available in this build",
            job.Name,
            verify.Drill ? " (with a restore drill)" : string.Empty);
        return Task.CompletedTask;
    }
}
