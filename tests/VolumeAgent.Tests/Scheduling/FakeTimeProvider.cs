namespace VolumeAgent.Tests.Scheduling;

/// <summary>
/// A clock for tests: the wall clock reads what the test sets, and timers fire only when the test moves time.
/// </summary>
/// <remarks>
/// As on a real host, timers run on elapsed (monotonic) time: <see cref="Advance"/> moves elapsed time and the
/// wall clock together and fires each timer that falls due, in due order, synchronously on the caller's thread,
/// with the clock reading that timer's due time while its callback runs. <see cref="Jump"/> sets the wall
/// clock forward or back alone, as an administrator or NTP stepping the clock would; no timer fires.
/// Kept for the scheduler's tests where the other tests use Microsoft.Extensions.TimeProvider.Testing's
/// FakeTimeProvider: that one's timestamps follow its wall clock and it refuses to set the clock back, so it
/// cannot step the wall clock apart from elapsed time (forward or back), which the clock-step and DST tests need.
/// </remarks>
internal sealed class FakeTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _wall;
    private long _elapsed;
    private long _created;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FakeTimeProvider(DateTimeOffset start)
    {
        _wall = start.ToUniversalTime();
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Elapsed time until the earliest armed timer falls due, or null when none is armed.</summary>
    public TimeSpan? UntilNextTimer
    {
        get
        {
            lock (_gate)
            {
                var due = _timers.Where(t => t.Due is not null).Min(t => t.Due);
                return due is { } ticks ? TimeSpan.FromTicks(ticks - _elapsed) : null;
            }
        }
    }

    /// <summary>Timers created and not disposed, armed or not.</summary>
    public int TimerCount
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count;
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _wall;
        }
    }

    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return _elapsed;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new FakeTimer(this, callback, state);
        lock (_gate)
        {
            timer.Order = _created++;
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward, firing each timer that falls due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        long target;
        lock (_gate)
        {
            target = _elapsed + delta.Ticks;
        }

        while (true)
        {
            TimerCallback callback;
            object? state;
            lock (_gate)
            {
                var timer = _timers
                    .Where(t => t.Due <= target)
                    .OrderBy(t => t.Due)
                    .ThenBy(t => t.Order)
                    .FirstOrDefault();
                if (timer is null)
                {
                    MoveTo(target);
                    break;
                }

                MoveTo(timer.Due!.Value);
                timer.Due = timer.Period > 0 ? timer.Due + timer.Period : null;
                callback = timer.Callback;
                state = timer.State;
            }

            callback(state);
            Changed();
        }

        Changed();
    }

    /// <summary>Sets the wall clock forward or back by <paramref name="delta"/>; elapsed time and timers stay.</summary>
    public void Jump(TimeSpan delta)
    {
        lock (_gate)
        {
            _wall += delta;
        }
    }

    /// <summary>Completes when <paramref name="condition"/> holds, checking again after each timer change.</summary>
    public async Task WaitUntilAsync(Func<FakeTimeProvider, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    private void MoveTo(long elapsed)
    {
        _wall += TimeSpan.FromTicks(elapsed - _elapsed);
        _elapsed = elapsed;
    }

    private void Changed()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public long Order { get; set; }

        /// <summary>Elapsed ticks at which the timer fires next; null while disarmed.</summary>
        public long? Due { get; set; }

        /// <summary>Ticks between firings; zero for a one-shot timer.</summary>
        public long Period { get; set; }

        private bool Disposed { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Validate(dueTime, nameof(dueTime));
            Validate(period, nameof(period));
            lock (owner._gate)
            {
                if (Disposed)
                {
                    return false;
                }

                Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._elapsed + dueTime.Ticks;
                Period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            }

            owner.Changed();
            return true;
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                if (Disposed)
                {
                    return;
                }

                Disposed = true;
                Due = null;
                owner._timers.Remove(this);
            }

            owner.Changed();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private static void Validate(TimeSpan value, string name)
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(name, value, "A timer's times must be zero or more, or infinite.");
            }
        }
    }
}
