using System.Text.Json;
using Serilog;
using VolumeAgent.Operations;
using VolumeAgent.Manifest;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Local;

namespace VolumeAgent.Control.Status;

/// <summary>
/// The daemon's memory of runs: what runs now and the scheduled runs skipped because one was still going (memory
/// only), and each job's last run (also in <c>state_dir/status.json</c>, replaced atomically after every run, read
/// back at start). It learns of runs as a subscriber of the daemon's <see cref="RunService"/>.
/// </summary>
internal sealed class StatusBook : IRunSubscriber, IDisposable
{
    public const string FileName = "status.json";

    /// <summary>How long saving status.json may take once a run is over (also after a shutdown request).</summary>
    private static readonly TimeSpan SaveBound = TimeSpan.FromSeconds(10);

    private readonly string _directory;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RunRecord> _lastRuns;
    private readonly Dictionary<string, DateTimeOffset> _lastSuccesses;
    private readonly Dictionary<string, (RunningRun Run, RunActivity? Activity)> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SkippedRuns> _skipped = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _saving = new(1, 1);
    private Task _saved = Task.CompletedTask;

    private StatusBook(string directory, Dictionary<string, RunRecord> lastRuns, Dictionary<string, DateTimeOffset> lastSuccesses, ILogger log)
    {
        _directory = directory;
        _lastRuns = lastRuns;
        _lastSuccesses = lastSuccesses;
        _log = log;
    }

    public string FilePath => Path.Combine(_directory, FileName);

    /// <summary>Reads status.json from the state directory; a missing file is an empty book, an unreadable one is logged and replaced.</summary>
    public static StatusBook Load(string stateDir, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(stateDir);
        ArgumentNullException.ThrowIfNull(log);
        var path = Path.Combine(stateDir, FileName);
        var lastRuns = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        var lastSuccesses = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        try
        {
            var bytes = File.ReadAllBytes(path);
            var file = JsonSerializer.Deserialize(bytes, StatusJsonContext.Default.StatusFile);
            foreach (var (job, run) in file?.LastRuns ?? new Dictionary<string, RunRecord>())
            {
                lastRuns[job] = run;
                NoteSuccess(lastSuccesses, job, run);
            }

            foreach (var (job, at) in file?.LastSuccesses ?? new Dictionary<string, DateTimeOffset>())
            {
                lastSuccesses[job] = lastSuccesses.TryGetValue(job, out var known) && known > at ? known : at;
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // First start: no run yet.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            log.ForEvent(LogEvents.StatusFileUnreadable).Warning("The run status file {Path} cannot be read ({Error}); starting without last runs, it is rewritten after the next run", path, ex.Message);
        }

        return new StatusBook(stateDir, lastRuns, lastSuccesses, log);
    }

    /// <summary>When the job's last successful run finished, as far as this book knows (status.json); null when none is known.</summary>
    public DateTimeOffset? LastSuccess(string job)
    {
        lock (_gate)
        {
            return _lastSuccesses.TryGetValue(job, out var at) ? at : null;
        }
    }

    public RunRecord? LastRun(string job)
    {
        lock (_gate)
        {
            return _lastRuns.GetValueOrDefault(job);
        }
    }

    /// <summary>The job's run going on, with its progress as of now; null when none is.</summary>
    public RunningRun? Running(string job)
    {
        RunningRun run;
        RunActivity? activity;
        lock (_gate)
        {
            if (!_running.TryGetValue(job, out var entry))
            {
                return null;
            }

            (run, activity) = entry;
        }

        return activity is null
            ? run
            : run with { LastProgressAt = activity.LastProgressAt, StallTimeoutSeconds = (long)activity.Limit.TotalSeconds, Step = activity.Step };
    }

    /// <param name="activity">The run's progress, read whenever status or health asks.</param>
    public void MarkRunning(string job, ManifestTrigger trigger, DateTimeOffset since, RunActivity? activity = null)
    {
        lock (_gate)
        {
            _running[job] = (new RunningRun { Trigger = RunRecord.TriggerText(trigger), Since = since }, activity);
        }
    }

    /// <summary>Counts a scheduled run of the job that did not start because a run of it was still going.</summary>
    public void RecordSkipped(string job, DateTimeOffset at)
    {
        lock (_gate)
        {
            var count = _skipped.GetValueOrDefault(job)?.Count ?? 0;
            _skipped[job] = new SkippedRuns { Count = count + 1, LastAt = at };
        }
    }

    /// <summary>The scheduled runs of the job skipped since the daemon started; null when none was.</summary>
    public SkippedRuns? Skipped(string job)
    {
        lock (_gate)
        {
            return _skipped.GetValueOrDefault(job);
        }
    }

    public void ClearRunning(string job)
    {
        lock (_gate)
        {
            _running.Remove(job);
        }
    }

    /// <summary>Follows the daemon's runs: marks a run going on, counts a skipped scheduled run, records a run that ended.</summary>
    public void OnEvent(RunEvent runEvent)
    {
        switch (runEvent)
        {
            case RunStarted started:
                MarkRunning(started.Job, started.Trigger, started.At, started.Activity);
                break;
            case RunSkipped { Trigger: ManifestTrigger.Schedule } skipped:
                RecordSkipped(skipped.Job, skipped.ScheduledFor);
                break;
            case RunEnded ended:
                Record(ended.Job, ToRecord(ended));
                break;
            default:
                break;
        }
    }

    /// <summary>Completes when every run recorded so far is saved (or its save gave up); never throws.</summary>
    public Task FlushAsync()
    {
        lock (_gate)
        {
            return _saved;
        }
    }

    /// <summary>Remembers the job's last run and saves the file; a failed save is logged, never thrown (the run is done).</summary>
    public async Task RecordAsync(string job, RunRecord run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(run);
        lock (_gate)
        {
            _running.Remove(job);
            _lastRuns[job] = run;
            NoteSuccess(_lastSuccesses, job, run);
        }

        await SaveAsync(cancellationToken);
    }

    private static RunRecord ToRecord(RunEnded ended) => ended switch
    {
        { Result: { } result } => RunRecord.From(result, ended.Trigger),
        { Cancelled: true } => RunRecord.Aborted(
            ended.Trigger, ended.StartedAt, ended.At, "The run was cancelled before it finished (the daemon stopped, or the run-now client went away)."),
        _ => RunRecord.Aborted(ended.Trigger, ended.StartedAt, ended.At, ended.Error ?? "The run ended without a result."),
    };

    /// <summary>Remembers the run at once and saves the file after the saves before it, within <see cref="SaveBound"/>.</summary>
    private void Record(string job, RunRecord run)
    {
        lock (_gate)
        {
            _running.Remove(job);
            _lastRuns[job] = run;
            NoteSuccess(_lastSuccesses, job, run);
            _saved = _saved.ContinueWith(_ => SaveBoundedAsync(job), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    private async Task SaveBoundedAsync(string job)
    {
        using var bound = new CancellationTokenSource(SaveBound);
        try
        {
            await SaveAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            _log.ForEvent(LogEvents.RunRecordSlow).Warning("Recording the run of job {Job} in {Path} took longer than {Bound}; skipped", job, FilePath, SaveBound);
        }
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        // The snapshot is taken inside the gate, so the file written last holds the newest runs.
        await _saving.WaitAsync(cancellationToken);
        try
        {
            byte[] content;
            lock (_gate)
            {
                content = JsonSerializer.SerializeToUtf8Bytes(
                    new StatusFile
                    {
                        LastRuns = new Dictionary<string, RunRecord>(_lastRuns, StringComparer.Ordinal),
                        LastSuccesses = new Dictionary<string, DateTimeOffset>(_lastSuccesses, StringComparer.Ordinal),
                    },
                    StatusJsonContext.Default.StatusFile);
            }

            Directory.CreateDirectory(_directory);
            await AtomicFile.WriteAsync(_directory, FileName, content, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or StorageException)
        {
            _log.ForEvent(LogEvents.StatusFileUnwritable).Warning("The run status file {Path} cannot be written ({Error}); status and health after a restart will miss this run", FilePath, ex.Message);
        }
        finally
        {
            _saving.Release();
        }
    }

    public void Dispose() => _saving.Dispose();

    private static void NoteSuccess(Dictionary<string, DateTimeOffset> lastSuccesses, string job, RunRecord run)
    {
        if (run.Status == RunRecord.Succeeded)
        {
            lastSuccesses[job] = run.FinishedAt ?? run.StartedAt;
        }
    }
}
