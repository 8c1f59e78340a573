namespace VolumeAgent.Runs;

/// <summary>What a stalled step was waiting for when its watchdog fired.</summary>
internal enum StallSide
{
    /// <summary>Neither a read nor a write: the step waited for something else (a tool to exit, an answer while planning).</summary>
    Step,

    /// <summary>A read of the source's output.</summary>
    Source,

    /// <summary>A write to (or another operation on) a storage.</summary>
    Storage,
}

/// <summary>
/// Ends a step of a run (planning a source, or making one artifact) that makes no progress: when no byte has been read
/// from the source or written to a storage for <see cref="StallTimeout"/>, <see cref="Token"/> is cancelled, and
/// <see cref="Side"/> says what was being waited for. Reads and writes count through <see cref="WatchRead"/>,
/// <see cref="WatchWrite"/> and <see cref="WatchStorageAsync"/>; each progress also reaches the run's
/// <see cref="RunActivity"/>.
/// </summary>
internal sealed class StallWatchdog : IDisposable
{
    private readonly TimeProvider _time;
    private readonly RunActivity? _activity;
    private readonly CancellationTokenSource _stalled = new();
    private readonly CancellationTokenSource _linked;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private long _lastProgress;
    private int _pendingReads;
    // Storages with a write pending, and how many: with several storages each is written at once, so one that answers
    // must not hide one that hangs.
    private readonly Dictionary<string, int> _pendingStorages = new(StringComparer.Ordinal);
    private bool _fired;
    private bool _disposed;

    /// <param name="outer">Cancels <see cref="Token"/> too: the run's token, a source's deadline.</param>
    public StallWatchdog(TimeSpan stallTimeout, TimeProvider time, RunActivity? activity, CancellationToken outer)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stallTimeout, TimeSpan.Zero);
        StallTimeout = stallTimeout;
        _time = time;
        _activity = activity;
        _lastProgress = time.GetTimestamp();
        _linked = CancellationTokenSource.CreateLinkedTokenSource(outer, _stalled.Token);
        _timer = time.CreateTimer(static state => ((StallWatchdog)state!).Check(), this, stallTimeout, Timeout.InfiniteTimeSpan);
    }

    public TimeSpan StallTimeout { get; }

    /// <summary>Cancelled when the step stalls, or by the outer token.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>True once the step went <see cref="StallTimeout"/> without progress.</summary>
    public bool Fired
    {
        get
        {
            lock (_gate)
            {
                return _fired;
            }
        }
    }

    /// <summary>What was pending when the watchdog fired.</summary>
    public StallSide Side { get; private set; }

    /// <summary>The storage a pending write was for, when <see cref="Side"/> is <see cref="StallSide.Storage"/>.</summary>
    public string? Storage { get; private set; }

    /// <summary>The source's output, counted: a read waiting for a byte is what a stall of the source looks like.</summary>
    public Stream WatchRead(Stream source) => new WatchedReadStream(source, this);

    /// <summary>A storage's stream, counted; a write that hangs (a dead network mount) is given up when the step stalls.</summary>
    public Stream WatchWrite(Stream target, string storage) => new WatchedWriteStream(target, storage, this);

    /// <summary>Runs a storage operation other than a write (create, commit) as one pending write, given up when the step stalls.</summary>
    public async Task WatchStorageAsync(string storage, Func<CancellationToken, Task> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        BeginStorage(storage);
        var done = false;
        try
        {
            await operation(Token).WaitAsync(Token);
            done = true;
        }
        finally
        {
            EndStorage(storage, done);
        }
    }

    /// <summary>Counts as progress: resets the stall clock.</summary>
    public void Progress()
    {
        Interlocked.Exchange(ref _lastProgress, _time.GetTimestamp());
        _activity?.Progress();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _timer.Dispose();
        _linked.Dispose();
        _stalled.Dispose();
    }

    internal void BeginRead() => Interlocked.Increment(ref _pendingReads);

    internal void EndRead(bool progressed)
    {
        Interlocked.Decrement(ref _pendingReads);
        if (progressed)
        {
            Progress();
        }
    }

    internal void BeginStorage(string storage)
    {
        lock (_pendingStorages)
        {
            _pendingStorages[storage] = _pendingStorages.GetValueOrDefault(storage) + 1;
        }
    }

    internal void EndStorage(string storage, bool progressed)
    {
        lock (_pendingStorages)
        {
            if (_pendingStorages.GetValueOrDefault(storage) <= 1)
            {
                _pendingStorages.Remove(storage);
            }
            else
            {
                _pendingStorages[storage]--;
            }
        }

        if (progressed)
        {
            Progress();
        }
    }

    private void Check()
    {
        lock (_gate)
        {
            if (_disposed || _fired)
            {
                return;
            }

            var idle = _time.GetElapsedTime(Interlocked.Read(ref _lastProgress));
            if (idle < StallTimeout)
            {
                _timer.Change(StallTimeout - idle, Timeout.InfiniteTimeSpan);
                return;
            }

            string? storage;
            lock (_pendingStorages)
            {
                storage = _pendingStorages.Keys.Order(StringComparer.Ordinal).FirstOrDefault();
            }

            Side = storage is not null ? StallSide.Storage : Volatile.Read(ref _pendingReads) > 0 ? StallSide.Source : StallSide.Step;
            Storage = storage;
            _fired = true;
        }

        // Outside the gate: cancellation runs the step's continuations, which may dispose this watchdog.
        try
        {
            _stalled.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The step ended at this very moment; nothing waits any more.
        }
    }
}
