using VolumeAgent.Policy;
using VolumeAgent.Sources;

namespace VolumeAgent.Runs;

/// <summary>
/// The bounds of one source within a run: its whole-source <c>timeout</c>, and a <see cref="StallWatchdog"/> with its
/// <c>stall_timeout</c> for each of its steps (planning, then each artifact); and the messages that say which of them
/// ended a step, and why the source may have stopped.
/// </summary>
internal sealed class SourceLimits : IDisposable
{
    /// <summary>How long asking the engine why a source stopped may take.</summary>
    private static readonly TimeSpan DiagnosisBound = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly RunActivity? _activity;
    private readonly CancellationToken _run;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenSource? _linked;

    public SourceLimits(SourceOptions options, TimeProvider time, RunActivity? activity, CancellationToken run)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        StallTimeout = options.StallTimeout;
        Timeout = options.Timeout;
        _time = time;
        _activity = activity;
        _run = run;
        if (options.Timeout is { } timeout)
        {
            _deadline = new CancellationTokenSource(timeout, time);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(run, _deadline.Token);
        }
    }

    public TimeSpan StallTimeout { get; }

    public TimeSpan? Timeout { get; }

    /// <summary>True once the source's timeout has run out.</summary>
    public bool TimedOut => _deadline?.IsCancellationRequested == true;

    /// <summary>A watchdog for the next step, under the run's token and the source's deadline; <paramref name="step"/> is what the run is doing now.</summary>
    public StallWatchdog Watch(string step)
    {
        _activity?.Begin(step);
        return new StallWatchdog(StallTimeout, _time, _activity, _linked?.Token ?? _run);
    }

    /// <summary>Why a step ended early when the watchdog or the deadline ended it; null when neither did.</summary>
    public string? Explain(StallWatchdog watchdog, string source, string subject, string? diagnosis, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(watchdog);
        var why = diagnosis is null ? "." : $": {diagnosis}";
        var stall = Duration.Format(watchdog.StallTimeout);
        if (watchdog.Fired)
        {
            return watchdog.Side switch
            {
                StallSide.Storage => $"The {watchdog.Storage} took no data for {stall} while {file ?? subject} was written; "
                    + "is it a network share that stopped answering? The artifact was abandoned.",
                StallSide.Source => $"No output from {subject} for {stall} (stall_timeout){why}",
                _ => $"No progress from {subject} for {stall} (stall_timeout){why}",
            };
        }

        return TimedOut ? $"{source} did not finish within its timeout of {Duration.Format(Timeout!.Value)}; {subject} was stopped{why}" : null;
    }

    /// <summary>What an artifact the source never got to says once its timeout has run out.</summary>
    public string NotStarted(string source) => $"Not started: {source} ran out of its timeout of {Duration.Format(Timeout!.Value)}.";

    /// <summary>The producer's account of why its output stopped (the container paused, stopped), asked within a bound.</summary>
    public static async Task<string?> DiagnoseAsync(IArtifactProducer producer)
    {
        ArgumentNullException.ThrowIfNull(producer);
        using var bound = new CancellationTokenSource(DiagnosisBound);
        try
        {
            return await producer.DiagnoseStallAsync(bound.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or Docker.DockerApiException or Docker.DockerUnavailableException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _linked?.Dispose();
        _deadline?.Dispose();
    }
}
