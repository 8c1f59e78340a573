using Serilog;
using VolumeAgent.Operations;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Restore;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Scheduling;

/// <summary>What the daemon calls when a job's <c>verify.schedule</c> fires: check the newest set, and with <c>drill</c> restore it.</summary>
internal delegate Task ScheduledVerificationHook(RunService runs, AgentSession session, JobOptions job, VerifyOptions verify, ILogger log, CancellationToken cancellationToken);

/// <summary>The hooks the daemon can be given for scheduled verification.</summary>
internal static class ScheduledVerification
{
    /// <summary>
    /// Verifies (or drills) the job's newest successful set in each of its storages and records the result in the
    /// set's manifest, where <c>list</c> and <c>status</c> show it, through the daemon's run service. A failed check
    /// is logged as an error.
    /// </summary>
    public static async Task VerifyLatestAsync(RunService runs, AgentSession session, JobOptions job, VerifyOptions verify, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(verify);
        ArgumentNullException.ThrowIfNull(log);
        var jobLog = log.ForContext("Job", job.Name);
        var stores = job.StorageNames.ToDictionary(name => name, name => session.Stores[name], StringComparer.Ordinal);
        var sets = await SetSelector.ListAsync(stores, null, job.Name, cancellationToken).ToListAsync(cancellationToken);
        var latest = SetSelector.LatestGood(sets);
        if (latest.Count == 0)
        {
            jobLog.ForEvent(LogEvents.ScheduledVerificationNoSet).Warning("Scheduled verification of job {Job}: no complete, successful set to check yet", job.Name);
            return;
        }

        foreach (var set in sets.Where(s => latest.Any(l => l.Name == s.Name) && s.Set.State == BackupSetState.Complete))
        {
            var result = await runs.VerifyAsync(set, verify.Drill, caller: null, cancellationToken);
            if (result.Succeeded)
            {
                jobLog.ForEvent(LogEvents.ScheduledVerificationSucceeded).Information("Scheduled {Kind} of set {Set} in storage {Storage} succeeded: {Details}", result.Kind, set.Name, set.StorageName, result.Details);
            }
            else
            {
                jobLog.ForEvent(LogEvents.ScheduledVerificationFailed).Error("Scheduled {Kind} of set {Set} in storage {Storage} FAILED: {Details}", result.Kind, set.Name, set.StorageName, result.Details);
            }
        }
    }
}
