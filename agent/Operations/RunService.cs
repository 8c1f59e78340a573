using System.Globalization;
using Serilog;
using VolumeAgent.Policy;
using VolumeAgent.Restore;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Operations;

/// <summary>Runs one job once (an <see cref="AgentSession"/>'s <see cref="JobRunner"/>, or a fake in tests), reporting progress to <paramref name="activity"/>.</summary>
internal delegate Task<RunResult> RunJobAsync(
    JobOptions job, ManifestTrigger trigger, IProgress<ManifestArtifact>? progress, RunActivity activity, CancellationToken cancellationToken);

/// <summary>Checks one complete copy of a set (a <see cref="VerificationRunner"/>, or a fake in tests).</summary>
internal delegate Task<VerificationResult> VerifySetAsync(StoredSet set, bool drill, CancellationToken cancellationToken);

/// <summary>What a run does when another run holds the job's lock.</summary>
internal enum WhenBusy
{
    /// <summary>Does not start (a scheduled firing, an in-process run-now).</summary>
    Skip,

    /// <summary>Waits for the other run to end, saying so, then starts (a run-now through the daemon).</summary>
    Wait,
}

/// <summary>
/// The one way into a run and a verification, for every front door: the command line in-process, the daemon's
/// control socket and its schedules. It takes the job's <see cref="JobLock"/> (shared by every agent process on the
/// state directory, so no two runs of one job overlap), runs the job and publishes what happens as
/// <see cref="RunEvent"/>s to the registered <see cref="RunSubscribers"/> and to the caller's own subscriber.
/// </summary>
internal sealed class RunService
{
    public static readonly TimeSpan LockPollInterval = TimeSpan.FromSeconds(1);

    private readonly string _stateDir;
    private readonly RunJobAsync? _run;
    private readonly VerifySetAsync? _verify;
    private readonly RunSubscribers _subscribers;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (ManifestTrigger Trigger, DateTimeOffset Since)> _running = new(StringComparer.Ordinal);

    /// <param name="run">Runs a job; null for a service that only verifies.</param>
    /// <param name="verify">Checks a set; null for a service that only runs jobs.</param>
    public RunService(string stateDir, RunJobAsync? run, VerifySetAsync? verify, RunSubscribers subscribers, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(stateDir);
        ArgumentNullException.ThrowIfNull(subscribers);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        _stateDir = stateDir;
        _run = run;
        _verify = verify;
        _subscribers = subscribers;
        _time = time;
        _log = log;
    }

    /// <summary>
    /// Runs the job under its lock and returns its result; null when it did not start because another run holds the
    /// lock and <paramref name="whenBusy"/> is <see cref="WhenBusy.Skip"/>. A run that is cancelled or throws still
    /// publishes <see cref="RunEnded"/>, then the exception propagates.
    /// </summary>
    /// <param name="caller">The caller's own subscriber (its console, its control client), told after the registered ones.</param>
    public Task<RunResult?> RunAsync(JobOptions job, ManifestTrigger trigger, WhenBusy whenBusy, IRunSubscriber? caller, CancellationToken cancellationToken) =>
        RunAsync(job, trigger, whenBusy, caller, new RunOrder(), cancellationToken);

    /// <inheritdoc cref="RunAsync(JobOptions, ManifestTrigger, WhenBusy, IRunSubscriber?, CancellationToken)"/>
    /// <param name="order">The run's id and tag, chosen by the caller.</param>
    public async Task<RunResult?> RunAsync(JobOptions job, ManifestTrigger trigger, WhenBusy whenBusy, IRunSubscriber? caller, RunOrder order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(order);
        var run = _run ?? throw new InvalidOperationException("This run service was made to verify sets only; it cannot run job " + job.Name + ".");
        using var jobLock = await AcquireAsync(job, trigger, whenBusy, caller, cancellationToken);
        if (jobLock is null)
        {
            return null;
        }

        var started = _time.GetUtcNow();
        var activity = new RunActivity(job.StallTimeout, _time) { RunId = order.RunId, Tag = order.Tag };
        lock (_gate)
        {
            _running[job.Name] = (trigger, started);
        }

        try
        {
            Publish(new RunStarted { Job = job.Name, At = started, Trigger = trigger, Activity = activity }, caller);
            RunResult result;
            try
            {
                result = await run(job, trigger, new ArtifactProgress(this, job.Name, caller), activity, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Publish(Ended(job, trigger, order, started, result: null, "The run was cancelled before it finished.", cancelled: true), caller);
                throw;
            }
            catch (Exception ex)
            {
                Publish(Ended(job, trigger, order, started, result: null, ex.Message, cancelled: false) with { Failure = ex }, caller);
                throw;
            }

            foreach (var (storage, decisions) in result.Retention)
            {
                Publish(
                    new RetentionApplied
                    {
                        Job = job.Name,
                        At = _time.GetUtcNow(),
                        Storage = storage,
                        Kept = decisions.Where(d => d.Keep).Select(d => d.Set.Id).ToList(),
                        Pruned = decisions.Where(d => !d.Keep).Select(d => d.Set.Id).ToList(),
                    },
                    caller);
            }

            Publish(Ended(job, trigger, order, started, result, result.Error, cancelled: false), caller);
            return result;
        }
        finally
        {
            lock (_gate)
            {
                _running.Remove(job.Name);
            }
        }
    }

    /// <summary>Tells the subscribers of a run that did not start because the scheduler's own previous run of the job was still going.</summary>
    public void Skipped(string job, ManifestTrigger trigger, DateTimeOffset scheduledFor) =>
        Publish(new RunSkipped { Job = job, At = _time.GetUtcNow(), Trigger = trigger, ScheduledFor = scheduledFor }, caller: null);

    /// <summary>
    /// Checks one copy of a set (with <paramref name="drill"/>, restores it into throwaway targets) and records the
    /// result in its manifest. A copy that is not complete fails without being read.
    /// </summary>
    public async Task<VerificationResult> VerifyAsync(StoredSet set, bool drill, IRunSubscriber? caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        var verify = _verify ?? throw new InvalidOperationException("This run service was made to run jobs only; it cannot verify set " + set.Name + ".");
        Publish(new VerificationStarted { Job = set.Set.Job, At = _time.GetUtcNow(), Set = set, Drill = drill }, caller);
        var result = set.Set.State == BackupSetState.Complete ? await verify(set, drill, cancellationToken) : Unusable(set, drill);
        Publish(new VerificationEnded { Job = set.Set.Job, At = _time.GetUtcNow(), Set = set, Drill = drill, Result = result }, caller);
        return result;
    }

    private async Task<JobLock?> AcquireAsync(JobOptions job, ManifestTrigger trigger, WhenBusy whenBusy, IRunSubscriber? caller, CancellationToken cancellationToken)
    {
        if (JobLock.TryAcquire(_stateDir, job.Name) is { } acquired)
        {
            return acquired;
        }

        var running = RunningNow(job.Name);
        if (whenBusy == WhenBusy.Skip)
        {
            if (trigger == ManifestTrigger.Schedule)
            {
                _log.ForContext("Job", job.Name).ForEvent(LogEvents.ScheduledRunSkippedBusy).Warning(
                    "Job {Job} is running now ({Who}); the scheduled run is skipped",
                    job.Name,
                    running is { } r ? $"a {RunTriggers.Text(r.Trigger)} run since {r.Since:u}" : "started by another agent process");
            }

            var now = _time.GetUtcNow();
            Publish(new RunSkipped { Job = job.Name, At = now, Trigger = trigger, ScheduledFor = now }, caller);
            return null;
        }

        var who = running is { } held
            ? string.Create(CultureInfo.InvariantCulture, $"a {RunTriggers.Text(held.Trigger)} run started {held.Since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z")
            : "in another agent process";
        Publish(new RunWaiting { Job = job.Name, At = _time.GetUtcNow(), Trigger = trigger, HeldBy = who }, caller);
        _log.ForContext("Job", job.Name).ForEvent(LogEvents.RunNowWaits).Information("Run-now of job {Job} waits for the run going on ({Who})", job.Name, who);
        while (true)
        {
            await Task.Delay(LockPollInterval, _time, cancellationToken);
            if (JobLock.TryAcquire(_stateDir, job.Name) is { } later)
            {
                return later;
            }
        }
    }

    private (ManifestTrigger Trigger, DateTimeOffset Since)? RunningNow(string job)
    {
        lock (_gate)
        {
            return _running.TryGetValue(job, out var run) ? run : null;
        }
    }

    private RunEnded Ended(JobOptions job, ManifestTrigger trigger, RunOrder order, DateTimeOffset started, RunResult? result, string? error, bool cancelled) => new()
    {
        Job = job.Name,
        At = _time.GetUtcNow(),
        Trigger = trigger,
        RunId = order.RunId,
        Tag = order.Tag,
        StartedAt = started,
        Result = result,
        Error = error,
        Cancelled = cancelled,
    };

    private VerificationResult Unusable(StoredSet set, bool drill) => new()
    {
        Storage = set.StorageName,
        SetName = set.Name,
        Kind = drill ? ManifestVerificationKind.Drill : ManifestVerificationKind.Verify,
        Status = ManifestStatus.Failed,
        VerifiedAt = _time.GetUtcNow(),
        Artifacts = [],
        Problems = [SetSelector.Unusable(set)],
        Details = SetSelector.Unusable(set),
    };

    private void Publish(RunEvent runEvent, IRunSubscriber? caller) => _subscribers.Publish(runEvent, caller);

    /// <summary>Publishes each finished artifact at once, in order (not through a synchronisation context).</summary>
    private sealed class ArtifactProgress(RunService service, string job, IRunSubscriber? caller) : IProgress<ManifestArtifact>
    {
        public void Report(ManifestArtifact value) =>
            service.Publish(new ArtifactFinished { Job = job, At = service._time.GetUtcNow(), Artifact = value }, caller);
    }
}
