using Serilog;
using VolumeAgent.Operations;
using VolumeAgent.Policy;

namespace VolumeAgent.Notifiers.Missed;

/// <summary>
/// The daemon's dead man's switch: for every job with a <c>max_age</c>, a job with no successful run for that long
/// (since its last success in status.json, else since the daemon started) gets one <c>missed</c> notification and a
/// warning. It fires once; the job's next success re-arms it (and says so). It runs on the injected clock from the
/// daemon's start, before the engine answers, so it fires even when the agent cannot run jobs at all.
/// </summary>
internal sealed class MissedScheduleWatch : IRunSubscriber
{
    /// <summary>The longest single wait: the watch looks again at least this often, whatever the clock did.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    private readonly IReadOnlyDictionary<string, TimeSpan> _maxAges;
    private readonly Func<string, DateTimeOffset?> _lastSuccess;
    private readonly Action<Notification> _notify;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Since, bool Known)> _since = new(StringComparer.Ordinal);
    private readonly HashSet<string> _missed = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="lastSuccess">When a job last succeeded, as the daemon remembers (its status book); null when unknown.</param>
    /// <param name="notify">Sends a notification to the job's targets (the notifiers' subscriber); returns at once.</param>
    public MissedScheduleWatch(BackupPolicy policy, Func<string, DateTimeOffset?> lastSuccess, Action<Notification> notify, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _maxAges = policy.Jobs.Where(j => j.MaxAge is not null).ToDictionary(j => j.Name, j => j.MaxAge!.Value, StringComparer.Ordinal);
        _lastSuccess = lastSuccess;
        _notify = notify;
        _time = time;
        _log = log;
    }

    /// <summary>True when the policy has a job with <c>max_age</c>: without one the watch has nothing to do.</summary>
    public bool HasJobs => _maxAges.Count > 0;

    /// <summary>True while the job is past its max_age and has not succeeded since (its missed notification was sent).</summary>
    public bool IsMissed(string job)
    {
        lock (_gate)
        {
            return _missed.Contains(job);
        }
    }

    /// <summary>Watches until <paramref name="cancellationToken"/> is cancelled (then returns, never throws for it).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (var job in _maxAges.Keys)
            {
                _since[job] = _lastSuccess(job) is { } last ? (last, true) : (started, false);
            }
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var (changed, wait) = FireDue();
            using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(wait, _time, delay.Token);
            await Task.WhenAny(changed, timer);
            await delay.CancelAsync();
            try
            {
                await timer;
            }
            catch (OperationCanceledException)
            {
                // The wait ended early: a run succeeded, or the daemon stops.
            }
        }
    }

    /// <summary>A successful run of a watched job re-arms its check from the run's end.</summary>
    public void OnEvent(RunEvent runEvent)
    {
        if (runEvent is not RunEnded { Succeeded: true } ended || !_maxAges.ContainsKey(ended.Job))
        {
            return;
        }

        bool wasMissed;
        TaskCompletionSource changed;
        lock (_gate)
        {
            _since[ended.Job] = (ended.At, true);
            wasMissed = _missed.Remove(ended.Job);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        if (wasMissed)
        {
            _log.ForContext("Job", ended.Job).ForEvent(LogEvents.ScheduleRecovered).Information(
                "Job {Job:l} succeeded again; its max_age check of {MaxAge:l} is armed again", ended.Job, Duration.Format(_maxAges[ended.Job]));
        }
    }

    /// <summary>Sends the missed notification of every job now past its max_age; returns what ends the wait and how long to wait.</summary>
    private (Task Changed, TimeSpan Wait) FireDue()
    {
        var due = new List<Notification>();
        Task changed;
        var wait = MaxWait;
        lock (_gate)
        {
            changed = _changed.Task;
            var now = _time.GetUtcNow();
            foreach (var (job, maxAge) in _maxAges)
            {
                if (_missed.Contains(job) || !_since.TryGetValue(job, out var since))
                {
                    continue;
                }

                var left = since.Since + maxAge - now;
                if (left <= TimeSpan.Zero)
                {
                    _missed.Add(job);
                    due.Add(NotificationBuilder.Missed(job, maxAge, since.Known ? since.Since : null, now));
                }
                else if (left < wait)
                {
                    wait = left;
                }
            }
        }

        foreach (var notification in due)
        {
            _log.ForContext("Job", notification.Job).ForEvent(LogEvents.ScheduleMissed).Warning("{Error:l}", notification.Error);
            _notify(notification);
        }

        return (changed, wait);
    }
}
