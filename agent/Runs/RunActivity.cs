using VolumeAgent.Manifest;

namespace VolumeAgent.Runs;

/// <summary>
/// What a run is doing now and when it last moved, for <c>health</c> and <c>status</c>: every byte a source gives
/// or a storage takes, and every step begun, counts as progress. Read from other threads while the run writes it.
/// </summary>
internal sealed class RunActivity
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _lastProgress;
    private string? _step;
    private TimeSpan _limit;

    /// <param name="stallTimeout">The job's stall_timeout: how long the run may go without progress before it counts as stalled.</param>
    public RunActivity(TimeSpan stallTimeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        StallTimeout = stallTimeout;
        _limit = stallTimeout;
        _lastProgress = time.GetTimestamp();
    }

    public TimeSpan StallTimeout { get; }

    /// <summary>The run's id, chosen before it starts so that the one who asked for it can name it at once.</summary>
    public RunId RunId { get; init; } = RunId.New();

    /// <summary>The tag the run was asked with (<see cref="Operations.RunTag"/>), or null.</summary>
    public string? Tag { get; init; }

    /// <summary>The step going on, e.g. <c>pg_dump of database 'app' in container db</c>; null before the first.</summary>
    public string? Step
    {
        get
        {
            lock (_gate)
            {
                return _step;
            }
        }
    }

    /// <summary>How long the current step may go without progress: the stall timeout, or longer for a step with a bound of its own (hooks).</summary>
    public TimeSpan Limit
    {
        get
        {
            lock (_gate)
            {
                return _limit;
            }
        }
    }

    /// <summary>Time since the last progress.</summary>
    public TimeSpan Idle => _time.GetElapsedTime(Interlocked.Read(ref _lastProgress));

    public DateTimeOffset LastProgressAt => _time.GetUtcNow() - Idle;

    /// <summary>True when the run has gone without progress for longer than <see cref="Limit"/>.</summary>
    public bool IsStalled => Idle > Limit;

    /// <summary>A new step begins (progress in itself); <paramref name="bound"/> lets a step that is silent by nature (a hook with its timeout) wait longer.</summary>
    public void Begin(string step, TimeSpan? bound = null)
    {
        lock (_gate)
        {
            _step = step;
            _limit = bound is { } longer && longer > StallTimeout ? longer : StallTimeout;
        }

        Progress();
    }

    public void Progress() => Interlocked.Exchange(ref _lastProgress, _time.GetTimestamp());
}
