using Serilog.Events;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Operations;
using VolumeAgent.Runs;

namespace VolumeAgent.Control.Daemon;

/// <summary>
/// Forwards the runs of one run-now request to its control client: the wait for a run going on, each job's start,
/// its log lines (warnings and errors, or all when verbose) while it runs, its artifacts and its result. Keeps the
/// results for the table at the end.
/// </summary>
internal sealed class ControlRunEvents : IRunSubscriber, IDisposable
{
    private readonly IControlEvents _events;
    private readonly LogBroadcast? _broadcast;
    private readonly LogEventLevel _level;
    private readonly List<RunResult> _results = [];
    private IDisposable? _logs;

    public ControlRunEvents(IControlEvents events, LogBroadcast? broadcast, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(events);
        _events = events;
        _broadcast = broadcast;
        _level = verbose ? LogEventLevel.Information : LogEventLevel.Warning;
    }

    /// <summary>The results of the runs that ended with one, in order.</summary>
    public IReadOnlyList<RunResult> Results => _results;

    public void OnEvent(RunEvent runEvent)
    {
        switch (runEvent)
        {
            case RunWaiting waiting:
                _events.Post(ControlEvent.Text($"job {waiting.Job} is running now ({waiting.HeldBy}); waiting for that run to finish before starting this one"));
                break;
            case RunStarted started:
                _logs?.Dispose();
                _logs = _broadcast?.Subscribe(started.Job, _level, _events);
                _events.Post(ControlEvent.Text($"job {started.Job}: running"));
                break;
            case ArtifactFinished finished:
                _events.Post(ControlEvent.ForArtifact(finished.Job, finished.Artifact));
                break;
            case RunEnded ended:
                if (ended.Result is { } result)
                {
                    _events.Post(ControlEvent.ForResult(result));
                    _results.Add(result);
                }

                StopLogs();
                break;
            default:
                break;
        }
    }

    public void Dispose() => StopLogs();

    private void StopLogs()
    {
        _logs?.Dispose();
        _logs = null;
    }
}
