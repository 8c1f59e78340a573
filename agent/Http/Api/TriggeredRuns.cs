using Serilog;
using VolumeAgent.Manifest;
using VolumeAgent.Operations;
using VolumeAgent.Policy.Jobs;

namespace VolumeAgent.Http.Api;

/// <summary>
/// Starts the runs the API is asked for and remembers the last <see cref="Kept"/> of them for <c>GET /api/v1/runs/{id}</c>.
/// A run goes through the daemon's <see cref="RunService"/> like a scheduled one; when another run holds the job's lock
/// it does not wait (as a run-now through the control socket does) but is refused, so the caller gets 409 at once.
/// The runs belong to the daemon, not to the request: they go on after the answer, until the daemon stops.
/// </summary>
internal sealed class TriggeredRuns : IAsyncDisposable
{
    public const int Kept = 100;

    private readonly RunService _runs;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly TimeSpan _grace;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly LinkedList<TriggeredRun> _recent = new();
    private readonly List<Task> _going = [];
    private int _disposed;

    /// <param name="grace">How long runs going on get to end when the daemon stops before they are cancelled.</param>
    public TriggeredRuns(RunService runs, TimeProvider time, ILogger log, TimeSpan grace)
    {
        _runs = runs;
        _time = time;
        _log = log;
        _grace = grace;
    }

    /// <summary>Starts a run of <paramref name="job"/>; the answer's <see cref="TriggeredRun.Started"/> says whether it did.</summary>
    public async Task<TriggeredRun> StartAsync(JobOptions job, string? tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var run = new TriggeredRun(job.Name, new RunOrder { Tag = tag }, _time.GetUtcNow());
        _log.ForContext("Job", job.Name).ForEvent(LogEvents.HttpRunRequested).Information(
            "Run of job {Job} requested over HTTP{Tag}; run id {RunId}", job.Name, tag is null ? string.Empty : $" with tag {tag}", run.Order.RunId.ToString());
        var task = Task.Run(() => RunAsync(job, run), CancellationToken.None);
        lock (_gate)
        {
            _going.RemoveAll(t => t.IsCompleted);
            _going.Add(task);
        }

        if (await run.Started.WaitAsync(cancellationToken))
        {
            Remember(run);
        }

        return run;
    }

    /// <summary>The run with this id among the last <see cref="Kept"/> started; null when unknown.</summary>
    public RunView? Find(RunId id)
    {
        var text = id.ToString();
        lock (_gate)
        {
            return _recent.FirstOrDefault(r => r.View.RunId == text)?.View;
        }
    }

    /// <summary>Lets the runs going on end within the grace period, then cancels the rest.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Task[] going;
        lock (_gate)
        {
            going = [.. _going];
        }

        var all = Task.WhenAll(going);
        if (await Task.WhenAny(all, Task.Delay(_grace, _time)) != all)
        {
            _log.ForEvent(LogEvents.HttpRunsNotDrained).Warning("Runs started over HTTP did not end within {Grace}; cancelling them", _grace);
            await _stopping.CancelAsync();
            await all;
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(JobOptions job, TriggeredRun run)
    {
        try
        {
            var result = await _runs.RunAsync(job, ManifestTrigger.Manual, WhenBusy.Skip, run, run.Order, _stopping.Token);
            if (result is null)
            {
                _log.ForContext("Job", job.Name).ForEvent(LogEvents.HttpRunRefusedBusy).Information("Run of job {Job} requested over HTTP refused: a run of the job is going on", job.Name);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            run.FailedToStart("The run was cancelled: the daemon stopped.");
        }
#pragma warning disable CA1031 // The run is the daemon's, not the request's: its failure is recorded and logged, never thrown at nobody.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _log.ForContext("Job", job.Name).ForEvent(LogEvents.HttpRunFailed).Error(ex, "Run of job {Job} requested over HTTP failed: {Error}", job.Name, ex.Message);
            run.FailedToStart(ex.Message);
        }
    }

    private void Remember(TriggeredRun run)
    {
        lock (_gate)
        {
            _recent.AddFirst(run);
            while (_recent.Count > Kept)
            {
                _recent.RemoveLast();
            }
        }
    }
}
