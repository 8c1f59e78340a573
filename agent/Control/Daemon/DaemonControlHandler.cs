using Serilog;
using Serilog.Events;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Control.Status;
using VolumeAgent.Operations;
using VolumeAgent.Policy;
using VolumeAgent.Presentation;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;

namespace VolumeAgent.Control.Daemon;

/// <summary>
/// The daemon's answers on the control socket: run-now, status, health, list and validate, each only for a
/// request of the configuration the daemon runs (<see cref="ConfigIdentity.Serves"/>).
/// </summary>
internal sealed class DaemonControlHandler : IControlHandler
{
    private readonly BackupPolicy _policy;
    private readonly ConfigIdentity _identity;
    private readonly RunService _runs;
    private readonly Task _ready;
    private readonly LogBroadcast? _broadcast;
    private readonly Func<AgentStatus> _status;
    private readonly IReadOnlyDictionary<string, IBackupStore> _stores;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <param name="runs">The daemon's run service, which its schedules also run through.</param>
    /// <param name="ready">Completes when runs can start (the daemon reached the engine).</param>
    /// <param name="broadcast">The log lines of the daemon, forwarded to a run-now client while its job runs.</param>
    public DaemonControlHandler(
        BackupPolicy policy,
        ConfigIdentity identity,
        RunService runs,
        Task ready,
        LogBroadcast? broadcast,
        Func<AgentStatus> status,
        IReadOnlyDictionary<string, IBackupStore> stores,
        TimeProvider time,
        ILogger log)
    {
        _policy = policy;
        _identity = identity;
        _runs = runs;
        _ready = ready;
        _broadcast = broadcast;
        _status = status;
        _stores = stores;
        _time = time;
        _log = log;
    }

    public async Task<int> HandleAsync(ControlRequest request, IControlEvents events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(events);
        if (request.Identity() is { } client && !Admits(request.Command, client, events))
        {
            return ExitCodes.ConfigurationError;
        }

        switch (request.Command)
        {
            case ControlCommands.RunNow:
                return await RunNowAsync(request, events, cancellationToken);
            case ControlCommands.Status:
                events.Post(new ControlEvent { Type = ControlEventTypes.Status, Report = _status() });
                return ExitCodes.Success;
            case ControlCommands.Health:
                var problems = HealthCheck.Problems(_status());
                events.Post(new ControlEvent { Type = ControlEventTypes.Health, Healthy = problems.Count == 0, Problems = problems });
                return problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
            case ControlCommands.Validate:
                PostLines(events, _policy.Describe());
                events.Post(ControlEvent.Text("The daemon runs with this configuration, read when it started."));
                return ExitCodes.Success;
            case ControlCommands.List:
                var job = request.Args.Count > 0 ? request.Args[0] : null;
                if (job is not null && _policy.FindJob(job) is null)
                {
                    events.Post(ControlEvent.Failure(UnknownJobs([job])));
                    return ExitCodes.ConfigurationError;
                }

                using (var text = new StringWriter())
                {
                    await SetListing.WriteAsync(_policy, _stores, job, text, cancellationToken);
                    PostLines(events, text.ToString());
                }

                return ExitCodes.Success;
            default:
                events.Post(ControlEvent.Failure($"Unknown control command '{request.Command}'; the daemon serves {string.Join(", ", ControlCommands.All)}."));
                return ExitCodes.ConfigurationError;
        }
    }

    private async Task<int> RunNowAsync(ControlRequest request, IControlEvents events, CancellationToken cancellationToken)
    {
        IReadOnlyList<JobOptions> jobs;
        try
        {
            jobs = JobSelection.Select(_policy, request.Args);
        }
        catch (UsageException ex)
        {
            events.Post(ControlEvent.Failure(ex.Message));
            return ExitCodes.ConfigurationError;
        }

        _log.ForEvent(LogEvents.RunNowRequested).Information("Run-now of {Jobs} requested on the control socket", jobs.Select(j => j.Name).ToArray());
        using var forward = new ControlRunEvents(events, _broadcast, request.Verbose);
        var failed = false;
        foreach (var job in jobs)
        {
            try
            {
                if (!_ready.IsCompleted)
                {
                    events.Post(ControlEvent.Text("The daemon is still reaching the Docker engine; the run starts once it answers."));
                }

                await _ready.WaitAsync(cancellationToken);

                // A run-now waits for a run of the job going on: it never returns without a result.
                var result = await _runs.RunAsync(job, ManifestTrigger.Manual, WhenBusy.Wait, forward, cancellationToken);
                failed |= result is not { Succeeded: true };
            }
            catch (Exception ex) when (ex is not OperationCanceledException && IsRunFailure(ex))
            {
                events.Post(ControlEvent.Failure($"job {job.Name}: {ex.Message}"));
                failed = true;
            }
        }

        using (var table = new StringWriter())
        {
            RunTable.Write(table, forward.Results);
            PostLines(events, table.ToString());
        }

        return failed ? ExitCodes.Failure : ExitCodes.Success;
    }

    /// <summary>
    /// False, after an <c>other_config</c> event, when the request is for another configuration: nothing of this
    /// daemon's may run for it. A request of another file with this state_dir is served with a warning.
    /// </summary>
    private bool Admits(string command, ConfigIdentity client, IControlEvents events)
    {
        if (!_identity.Serves(client))
        {
            _log.ForEvent(LogEvents.ControlRequestRefused).Information("Refused {Command} on the control socket for {Client}: this daemon runs {Daemon}", command, client.ToString(), _identity.ToString());
            events.Post(new ControlEvent
            {
                Type = ControlEventTypes.OtherConfig,
                Config = _identity.Config,
                StateDir = _identity.StateDir,
                Message = $"This daemon runs {_identity}, not {client}; it did nothing.",
            });
            return false;
        }

        if (!string.Equals(client.Config, _identity.Config, StringComparison.Ordinal))
        {
            Warn($"This daemon runs {_identity.Config} as it was read when the daemon started, not {client.Config}; it answers for both because they share state_dir {_identity.StateDir}.");
        }
        else if (client.StateDir is not null && !string.Equals(client.StateDir, _identity.StateDir, StringComparison.Ordinal))
        {
            Warn($"{client.Config} now names state_dir {client.StateDir}; this daemon runs with {_identity.StateDir}, read when it started. Restart the daemon to use the file as it is now.");
        }

        return true;

        void Warn(string message) => events.Post(ControlEvent.Log(_time.GetUtcNow(), LogBroadcast.LevelName(LogEventLevel.Warning), null, null, message));
    }

    /// <summary>Failures the in-process run-now reports with exit code 1 (CommandRunner's list); anything else is a bug and propagates.</summary>
    private static bool IsRunFailure(Exception ex) =>
        ex is Docker.DockerUnavailableException or Docker.DockerApiException or StorageException or InvalidOperationException or IOException;

    private static string UnknownJobs(IEnumerable<string> names) =>
        $"No job named {string.Join(", ", names.Select(n => $"'{n}'"))} in the daemon's configuration.";

    private static void PostLines(IControlEvents events, string text)
    {
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            events.Post(ControlEvent.Text(line.TrimEnd('\r')));
        }
    }
}
