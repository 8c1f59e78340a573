using Serilog;

namespace VolumeAgent.Scheduling;

/// <summary>
/// The daemon's loop: fires each job at its schedule's instants through one callback.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Runs of one job never overlap: a firing that finds the previous run (or its jitter delay) still going
/// is skipped, logged and reported to <see cref="Skipped"/>, not queued. Different jobs run concurrently.</item>
/// <item>A run that throws is logged; the loop carries on.</item>
/// <item>The loop re-reads the wall clock at least every <see cref="MaxWait"/>. When it finds the clock moved
/// past firings (the clock was set forward, the host slept), each overdue job fires once, and its schedule
/// continues from the next instant after now. When the clock was set back, each job's next firing is
/// recomputed from the new time, never repeating an instant it already fired for.</item>
/// <item>Cancelling <see cref="RunAsync"/> stops firing and cancels the token the running jobs were given;
/// they get <see cref="ShutdownGrace"/> to wind down (restart what they stopped), then are abandoned.</item>
/// </list>
/// The callback is called on the loop up to its first await, so it must return promptly (an async method does).
/// </remarks>
internal sealed partial class JobScheduler
{
    /// <summary>The trigger passed to the callback for a firing of the schedule.</summary>
    public const string ScheduleTrigger = "schedule";

    /// <summary>The longest the loop waits before reading the wall clock again.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(1);

    /// <summary>The longest jitter accepted.</summary>
    public static readonly TimeSpan MaxJitter = TimeSpan.FromDays(1);

    private readonly Job[] _jobs;
    private readonly Func<string, string, CancellationToken, Task> _runJob;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _delay;
    private bool _stopped;
    private int _started;

    public JobScheduler(
        IEnumerable<ScheduledJob> jobs,
        Func<string, string, CancellationToken, Task> runJob,
        TimeProvider timeProvider,
        ILogger logger,
        Random? random = null,
        TimeSpan? shutdownGrace = null)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(runJob);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);

        _runJob = runJob;
        _time = timeProvider;
        _log = logger.ForContext<JobScheduler>();
        _random = random ?? Random.Shared;
        ShutdownGrace = shutdownGrace ?? TimeSpan.FromSeconds(30);
        if (ShutdownGrace < TimeSpan.Zero && ShutdownGrace != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(shutdownGrace), shutdownGrace, "The grace period must be zero or more, or infinite.");
        }

        var list = new List<Job>();
        var now = timeProvider.GetUtcNow();
        foreach (var job in jobs)
        {
            ArgumentNullException.ThrowIfNull(job, nameof(jobs));
            ArgumentException.ThrowIfNullOrWhiteSpace(job.JobName, nameof(jobs));
            ArgumentNullException.ThrowIfNull(job.Schedule, nameof(jobs));
            if (job.Jitter is { } jitter && (jitter < TimeSpan.Zero || jitter > MaxJitter))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(jobs),
                    jitter,
                    $"Job {job.JobName}: the jitter must be between zero and {MaxJitter}.");
            }

            if (list.Any(j => string.Equals(j.Name, job.JobName, StringComparison.Ordinal)))
            {
                throw new ArgumentException($"Job {job.JobName} is listed twice; job names must be unique.", nameof(jobs));
            }

            list.Add(new Job(job.JobName, job.Schedule, job.Jitter ?? TimeSpan.Zero) { Next = job.Schedule.NextAfter(now) });
        }

        _jobs = [.. list];
    }

    public TimeSpan ShutdownGrace { get; }

    /// <summary>Told of each firing skipped because the job's previous run was still going: the job and the scheduled time.</summary>
    public Action<string, DateTimeOffset>? Skipped { get; init; }

    public IReadOnlyList<string> JobNames => _jobs.Select(j => j.Name).ToArray();

    /// <summary>The next instant the job is scheduled to fire (before jitter), or null if it never fires again.</summary>
    /// <exception cref="ArgumentException">No job has that name.</exception>
    public DateTimeOffset? GetNextRun(string jobName)
    {
        var job = Find(jobName);
        lock (_gate)
        {
            return job.Next;
        }
    }

    /// <summary>True while a run of the job (or its jitter delay) started by the scheduler is going.</summary>
    public bool IsRunning(string jobName)
    {
        var job = Find(jobName);
        lock (_gate)
        {
            return job.Running is { IsCompleted: false };
        }
    }

    /// <summary>Completes when the job's current run (with its jitter delay), if any, has ended.</summary>
    public Task WhenRunEndsAsync(string jobName)
    {
        var job = Find(jobName);
        lock (_gate)
        {
            return job.Running ?? Task.CompletedTask;
        }
    }

    /// <summary>Fires jobs until cancelled, then gives running jobs the grace period; completes without throwing.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The scheduler is already running; a scheduler runs once.");
        }

        var previous = _time.GetUtcNow();
        foreach (var job in _jobs)
        {
            var next = job.Schedule.NextAfter(previous);
            lock (_gate)
            {
                job.Next = next;
            }

            _log.ForEvent(LogEvents.JobScheduled).Information(
                "Job {Job} is scheduled {Schedule} in {Zone}; next run at {Next:u}",
                job.Name,
                job.Schedule.Expression,
                job.Schedule.Zone.Id,
                next);
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                if (now < previous)
                {
                    _log.ForEvent(LogEvents.ClockWentBack).Warning("The clock went back from {Previous:u} to {Now:u}; rescheduling every job from the new time", previous, now);
                    Reschedule(now);
                }

                previous = now;
                FireDue(now, cancellationToken);

                var delay = Task.Delay(DelayUntilNext(now), _time, cancellationToken);
                TaskCompletionSource signal;
                lock (_gate)
                {
                    _delay = delay;
                    signal = _waiting;
                    _waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                signal.TrySetResult();
                try
                {
                    await delay;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
        finally
        {
            TaskCompletionSource signal;
            lock (_gate)
            {
                _stopped = true;
                signal = _waiting;
            }

            signal.TrySetResult();
        }

        await DrainAsync();
    }

    /// <summary>
    /// Completes once the loop has started every firing due at the clock's current time and waits for a later
    /// one (or has stopped). Lets a test move a fake clock only when the loop has caught up with it.
    /// </summary>
    internal async Task WhenWaitingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                if (_stopped || _delay is { IsCompleted: false })
                {
                    return;
                }

                signal = _waiting.Task;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    private Job Find(string jobName)
    {
        ArgumentNullException.ThrowIfNull(jobName);
        return Array.Find(_jobs, j => string.Equals(j.Name, jobName, StringComparison.Ordinal))
            ?? throw new ArgumentException(
                $"No scheduled job is named {jobName}; scheduled jobs: {string.Join(", ", _jobs.Select(j => j.Name))}.",
                nameof(jobName));
    }

    private sealed class Job(string name, ZonedCron schedule, TimeSpan jitter)
    {
        public string Name { get; } = name;

        public ZonedCron Schedule { get; } = schedule;

        public TimeSpan Jitter { get; } = jitter;

        public DateTimeOffset? Next { get; set; }

        public DateTimeOffset? LastScheduled { get; set; }

        public Task? Running { get; set; }
    }
}
