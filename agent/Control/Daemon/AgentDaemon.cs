using Serilog;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Http;
using VolumeAgent.Http.Api;
using VolumeAgent.Http.Metrics;
using VolumeAgent.Control.Status;
using VolumeAgent.Operations;
using VolumeAgent.Manifest;
using VolumeAgent.Notifiers;
using VolumeAgent.Notifiers.Missed;
using VolumeAgent.Policy;
using VolumeAgent.Restore;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Runs;
using VolumeAgent.Scheduling;
using VolumeAgent.Storage;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Control.Daemon;

/// <summary>
/// <c>volume-agent daemon</c>: the control socket, the engine session, and the schedules of every job, until
/// the token (SIGTERM) is cancelled; then running jobs get the grace period to stop cleanly.
/// </summary>
internal sealed class AgentDaemon
{
    private readonly BackupPolicy _policy;
    private readonly DaemonOptions _options;
    private readonly LogBroadcast _broadcast;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Func<CancellationToken, Task<AgentSession>> _openSession;
    private readonly TaskCompletionSource<AgentSession> _session = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset _startedAt;
    private StatusBook? _status;
    private JobScheduler? _backups;
    private JobScheduler? _verifications;
    private RunService? _runs;
    private RunSubscribers? _subscribers;

    public AgentDaemon(BackupPolicy policy, DaemonOptions options, LogBroadcast broadcast, TimeProvider time, ILogger log, Func<CancellationToken, Task<AgentSession>>? openSession = null)
    {
        _policy = policy;
        _options = options;
        _broadcast = broadcast;
        _time = time;
        _log = log;
        _openSession = openSession ?? (ct => SessionOpener.OpenAsync(policy, log, time, options.EnginePatience, ct));
    }

    /// <summary>Called when a job's verify.schedule fires; replaced by the restore worker's drill once it exists.</summary>
    public ScheduledVerificationHook Verification { get; init; } = ScheduledVerification.VerifyLatestAsync;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; returns 0 after a clean stop.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        _startedAt = _time.GetUtcNow();
        var stores = AgentSession.OpenStores(_policy);
        using var statusBook = StatusBook.Load(_policy.StateDir, _log);
        _status = statusBook;
        var metrics = _policy.Http is null ? null : new RunMetricsBook(_policy.Jobs.Select(j => new JobStatus { Job = j.Name, LastRun = statusBook.LastRun(j.Name) }));
        var missed = new MissedScheduleWatch(_policy, statusBook.LastSuccess, n => _subscribers?.Find<NotificationSubscriber>()?.Notify(n), _time, _log);
        IRunSubscriber[] host = metrics is null ? [statusBook, missed] : [statusBook, missed, metrics];
        await using var subscribers = RunSubscribers.Create(_policy, _time, _log, host);
        _subscribers = subscribers;
        var runs = new RunService(_policy.StateDir, RunJobAsync, VerifySetAsync, subscribers, _time, _log);
        _runs = runs;
        _backups = new JobScheduler(PolicySchedules.Backups(_policy), (job, _, ct) => RunScheduledAsync(job, ct), _time, _log, shutdownGrace: _options.ShutdownGrace)
        {
            Skipped = (job, at) => runs.Skipped(job, ManifestTrigger.Schedule, at),
        };
        _verifications = new JobScheduler(PolicySchedules.Verifications(_policy), VerifyAsync, _time, _log, shutdownGrace: _options.ShutdownGrace);
        var upkeep = StorageMaintenance.Create(_policy, stores, _time, _log, _options.ShutdownGrace);
        var identity = ConfigIdentity.Of(_options.ConfigPath, _policy.StateDir);
        var handler = new DaemonControlHandler(_policy, identity, runs, _session.Task, _broadcast, Snapshot, stores, _time, _log);

        _log.ForEvent(LogEvents.DaemonStarting).Information(
            "volume-agent {Version} daemon starting: {Jobs} job(s), {Scheduled} on a schedule, time zone {Zone}, config {Config}",
            AgentInfo.Version,
            _policy.Jobs.Count,
            _backups.JobNames.Count,
            _policy.TimeZone.Id,
            identity.Config);
        var server = await ControlServer.StartAsync(_options.ControlPath, handler, _log, cancellationToken);
        server.DrainBound = _options.ShutdownGrace;

        // The dead man's switch watches from the start, before the engine answers: it must fire when no job can run.
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watching = missed.HasJobs ? missed.RunAsync(stopWatching.Token) : Task.CompletedTask;

        await using var triggered = new TriggeredRuns(runs, _time, _log, _options.ShutdownGrace);
        HttpEndpoint? http = null;
        AgentSession? session = null;
        try
        {
            if (_policy.Http is { } httpOptions)
            {
                http = await HttpEndpoint.StartAsync(
                    new HttpServices { Policy = _policy, Options = httpOptions, Status = Snapshot, Stores = stores, Runs = triggered, Metrics = metrics!, Time = _time, Log = _log },
                    cancellationToken);
            }

            try
            {
                session = await _openSession(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _session.TrySetCanceled(cancellationToken);
                _log.ForEvent(LogEvents.DaemonStoppedBeforeEngine).Information("Stopped before the Docker engine answered");
                return 0;
            }
            catch (Exception ex)
            {
                _session.TrySetException(ex);
                throw;
            }

            _session.SetResult(session);
            _log.ForEvent(LogEvents.DaemonConnected).Information("Connected to the Docker engine; agent instance {Instance}", session.Instance.Id);
            var schedulers = Task.WhenAll(_backups.RunAsync(cancellationToken), _verifications.RunAsync(cancellationToken), upkeep.RunAsync(cancellationToken));
            await WhenCancelledAsync(cancellationToken);
            _log.ForEvent(LogEvents.DaemonStopping).Information("Stopping: running jobs get up to {Grace} to end cleanly", _options.ShutdownGrace);
            await Task.WhenAll(schedulers, server.DisposeAsync().AsTask(), StopHttpAsync(http, triggered));
            _log.ForEvent(LogEvents.DaemonStopped).Information("Stopped");
            return 0;
        }
        finally
        {
            if (http is not null)
            {
                await http.DisposeAsync();
            }

            await server.DisposeAsync();
            await stopWatching.CancelAsync();
            await watching;
            await statusBook.FlushAsync();
            if (session is not null)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>What <c>status</c> and <c>health</c> report.</summary>
    public AgentStatus Snapshot()
    {
        var status = _status ?? throw new InvalidOperationException("The daemon has not started.");
        var jobs = _policy.Jobs.Select(job => new JobStatus
        {
            Job = job.Name,
            Schedule = job.Schedule?.Expression,
            NextRun = job.Schedule is null ? null : _backups!.GetNextRun(job.Name),
            Running = status.Running(job.Name),
            LastRun = status.LastRun(job.Name),
            Skipped = status.Skipped(job.Name),
            VerifySchedule = job.Verify?.Schedule?.Expression,
            NextVerify = job.Verify?.Schedule is null ? null : _verifications!.GetNextRun(job.Name),
        }).ToList();
        return new AgentStatus
        {
            DaemonRunning = true,
            AgentVersion = AgentInfo.Version,
            DaemonStartedAt = _startedAt,
            EngineConnected = _session.Task.IsCompletedSuccessfully,
            Node = _session.Task.IsCompletedSuccessfully ? _session.Task.Result.Containers.Node?.Name : null,
            TimeZone = _policy.TimeZone.Id,
            GeneratedAt = _time.GetUtcNow(),
            Jobs = jobs,
            NotificationFailures = _subscribers?.Find<NotificationSubscriber>()?.FailedDeliveries,
        };
    }

    /// <summary>A firing of a job's schedule: runs it unless a run of it is going on (then the firing is skipped).</summary>
    private async Task RunScheduledAsync(string jobName, CancellationToken cancellationToken)
    {
        var job = _policy.FindJob(jobName) ?? throw new ArgumentException($"No job named {jobName}.", nameof(jobName));
        await _session.Task.WaitAsync(cancellationToken);
        await _runs!.RunAsync(job, ManifestTrigger.Schedule, WhenBusy.Skip, caller: null, cancellationToken);
    }

    private async Task<RunResult> RunJobAsync(
        JobOptions job, ManifestTrigger trigger, IProgress<ManifestArtifact>? progress, RunActivity activity, CancellationToken cancellationToken)
    {
        var session = await _session.Task.WaitAsync(cancellationToken);
        return await session.Runner.RunAsync(job, trigger, progress, activity, cancellationToken);
    }

    private async Task<VerificationResult> VerifySetAsync(StoredSet set, bool drill, CancellationToken cancellationToken)
    {
        var session = await _session.Task.WaitAsync(cancellationToken);
        var runner = new VerificationRunner(session.Docker, _policy.HelperImage, session.Instance.Id, _time, _log.ForContext("Job", set.Set.Job), session.Engines);
        return await runner.RunAsync(set, drill, cancellationToken);
    }

    private async Task VerifyAsync(string jobName, string trigger, CancellationToken cancellationToken)
    {
        var job = _policy.FindJob(jobName)!;
        var session = await _session.Task.WaitAsync(cancellationToken);
        await Verification(_runs!, session, job, job.Verify!, _log, cancellationToken);
    }

    /// <summary>The endpoint takes no more requests; the runs it started get the grace period, like scheduled ones.</summary>
    private static async Task StopHttpAsync(HttpEndpoint? http, TriggeredRuns triggered)
    {
        if (http is not null)
        {
            await http.DisposeAsync();
        }

        await triggered.DisposeAsync();
    }

    private static async Task WhenCancelledAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
