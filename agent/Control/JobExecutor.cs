using System.Globalization;
using Serilog;
using Serilog.Events;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Control;

/// <summary>Runs one job once: what the daemon's schedule and a run-now through the daemon both call; the run reports its progress to <paramref name="activity"/>.</summary>
internal delegate Task<RunResult> RunJobAsync(
    JobOptions job, ManifestTrigger trigger, IProgress<ManifestArtifact>? progress, RunActivity activity, CancellationToken cancellationToken);

/// <summary>
/// The daemon's runs of jobs. Each run holds the job's <see cref="JobLock"/>, the same lock an in-process
/// <c>run-now</c> takes, so no two runs of one job overlap in any agent process sharing the state directory.
/// A scheduled run that finds the job running is skipped (and counted in the status); a run-now waits for it, saying so.
/// </summary>
internal sealed class JobExecutor
{
    public static readonly TimeSpan LockPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long recording a run in status.json may take once the run is over (also after a shutdown request).</summary>
    private static readonly TimeSpan RecordBound = TimeSpan.FromSeconds(10);

    private readonly BackupPolicy _policy;
    private readonly RunJobAsync _run;
    private readonly Task _ready;
    private readonly StatusBook _status;
    private readonly LogBroadcast? _broadcast;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <param name="ready">Completes when runs can start (the daemon reached the engine).</param>
    public JobExecutor(BackupPolicy policy, RunJobAsync run, Task ready, StatusBook status, LogBroadcast? broadcast, TimeProvider time, ILogger log)
    {
        _policy = policy;
        _run = run;
        _ready = ready;
        _status = status;
        _broadcast = broadcast;
        _time = time;
        _log = log;
    }

    /// <summary>The scheduler's callback: runs the job unless it is running already (then the firing is skipped).</summary>
    public async Task RunScheduledAsync(string jobName, CancellationToken cancellationToken)
    {
        var job = _policy.FindJob(jobName) ?? throw new ArgumentException($"No job named {jobName}.", nameof(jobName));
        await _ready.WaitAsync(cancellationToken);
        using var jobLock = JobLock.TryAcquire(_policy.StateDir, job.Name);
        if (jobLock is null)
        {
            _status.RecordSkipped(job.Name, _time.GetUtcNow());
            _log.ForContext("Job", job.Name).ForEvent(LogEvents.ScheduledRunSkippedBusy).Warning(
                "Job {Job} is running now ({Who}); the scheduled run is skipped",
                job.Name,
                _status.Running(job.Name) is { } running ? $"a {running.Trigger} run since {running.Since:u}" : "started by another agent process");
            return;
        }

        await ExecuteAsync(job, ManifestTrigger.Schedule, progress: null, cancellationToken);
    }

    /// <summary>
    /// A run-now through the daemon: waits for the engine and for a run of the job going on, then runs it, posting
    /// its artifacts, its log lines (warnings and errors, or all with <paramref name="verbose"/>) and its result.
    /// </summary>
    public async Task<RunResult> RunManualAsync(JobOptions job, IControlEvents events, bool verbose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(events);
        if (!_ready.IsCompleted)
        {
            events.Post(ControlEvent.Text("The daemon is still reaching the Docker engine; the run starts once it answers."));
        }

        await _ready.WaitAsync(cancellationToken);
        using var jobLock = await AcquireAsync(job, events, cancellationToken);
        using var logs = _broadcast?.Subscribe(job.Name, verbose ? LogEventLevel.Information : LogEventLevel.Warning, events);
        events.Post(ControlEvent.Text($"job {job.Name}: running"));
        var result = await ExecuteAsync(job, ManifestTrigger.Manual, new EventProgress(job.Name, events), cancellationToken);
        events.Post(ControlEvent.ForResult(result));
        return result;
    }

    private async Task<JobLock> AcquireAsync(JobOptions job, IControlEvents events, CancellationToken cancellationToken)
    {
        if (JobLock.TryAcquire(_policy.StateDir, job.Name) is { } acquired)
        {
            return acquired;
        }

        var running = _status.Running(job.Name);
        var who = running is null
            ? "in another agent process"
            : string.Create(CultureInfo.InvariantCulture, $"a {running.Trigger} run started {running.Since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
        events.Post(ControlEvent.Text($"job {job.Name} is running now ({who}); waiting for that run to finish before starting this one"));
        _log.ForContext("Job", job.Name).ForEvent(LogEvents.RunNowWaits).Information("Run-now of job {Job} waits for the run going on ({Who})", job.Name, who);
        while (true)
        {
            await Task.Delay(LockPollInterval, _time, cancellationToken);
            if (JobLock.TryAcquire(_policy.StateDir, job.Name) is { } later)
            {
                return later;
            }
        }
    }

    private async Task<RunResult> ExecuteAsync(JobOptions job, ManifestTrigger trigger, IProgress<ManifestArtifact>? progress, CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        var activity = new RunActivity(job.StallTimeout, _time);
        _status.MarkRunning(job.Name, trigger, started, activity);
        RunRecord record;
        try
        {
            var result = await _run(job, trigger, progress, activity, cancellationToken);
            record = RunRecord.From(result, trigger);
            await RecordAsync(job.Name, record);
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await RecordAsync(job.Name, RunRecord.Aborted(trigger, started, _time.GetUtcNow(), "The run was cancelled before it finished (the daemon stopped, or the run-now client went away)."));
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await RecordAsync(job.Name, RunRecord.Aborted(trigger, started, _time.GetUtcNow(), ex.Message));
            throw;
        }
        finally
        {
            _status.ClearRunning(job.Name);
        }
    }

    private async Task RecordAsync(string job, RunRecord record)
    {
        using var bound = new CancellationTokenSource(RecordBound);
        try
        {
            await _status.RecordAsync(job, record, bound.Token);
        }
        catch (OperationCanceledException)
        {
            _log.ForEvent(LogEvents.RunRecordSlow).Warning("Recording the run of job {Job} in {Path} took longer than {Bound}; skipped", job, _status.FilePath, RecordBound);
        }
    }

    /// <summary>Posts each finished artifact at once, in order (not through a synchronisation context).</summary>
    private sealed class EventProgress(string job, IControlEvents events) : IProgress<ManifestArtifact>
    {
        public void Report(ManifestArtifact value) => events.Post(ControlEvent.ForArtifact(job, value));
    }
}
