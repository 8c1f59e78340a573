using Serilog;
using VolumeAgent.Notifiers.Delivery;
using VolumeAgent.Operations;
using VolumeAgent.Policy;

namespace VolumeAgent.Notifiers;

/// <summary>
/// The notifiers' run subscriber: turns run and verification events into <see cref="Notification"/>s and queues each
/// for the job's targets that want it (<see cref="DeliveryQueue"/>, one per target, sending in the background), so a
/// run never waits for a receiver. Disposing it gives what is queued a short bounded flush.
/// </summary>
internal sealed class NotificationSubscriber : IRunSubscriber, IAsyncDisposable
{
    /// <summary>How long the agent waits at exit for queued notifications to go out.</summary>
    public static readonly TimeSpan FlushBound = TimeSpan.FromSeconds(10);

    private readonly BackupPolicy _policy;
    private readonly HttpClient _http;
    private readonly IReadOnlyDictionary<string, DeliveryQueue> _queues;
    private readonly TimeSpan _flushBound;

    public NotificationSubscriber(BackupPolicy policy, Backoff backoff, TimeProvider time, ILogger log, TimeSpan? flushBound = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(backoff);
        _policy = policy;
        _flushBound = flushBound ?? FlushBound;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = backoff.AttemptTimeout }) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd($"volume-agent/{AgentInfo.Version}");
        _queues = policy.Notify.Values.ToDictionary(
            target => target.Name, target => new DeliveryQueue(NotifierKinds.Create(target, _http), backoff, time, log), StringComparer.Ordinal);
    }

    /// <summary>The subscriber for the policy's <c>notify</c> targets; none when it has none.</summary>
    public static IEnumerable<IRunSubscriber> For(BackupPolicy policy, TimeProvider time, ILogger log) =>
        policy.Notify.Count == 0 ? [] : [new NotificationSubscriber(policy, Backoff.Default, time, log)];

    /// <summary>Notifications each target could not take since the agent started, by target name (for status and metrics).</summary>
    public IReadOnlyDictionary<string, long> FailedDeliveries => _queues.ToDictionary(q => q.Key, q => q.Value.Failed, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Deliveries => _queues.ToDictionary(q => q.Key, q => q.Value.Delivered, StringComparer.Ordinal);

    public void OnEvent(RunEvent runEvent)
    {
        var notification = runEvent switch
        {
            RunStarted started => NotificationBuilder.Started(started),
            RunEnded ended => NotificationBuilder.Ended(ended),
            VerificationEnded verified => NotificationBuilder.Verified(verified),
            _ => null,
        };
        if (notification is not null)
        {
            Notify(notification);
        }
    }

    /// <summary>Queues the notification for every target of its job that wants its kind; returns at once.</summary>
    public void Notify(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var job = _policy.FindJob(notification.Job);
        var targets = job is null ? _policy.Notify.Values.ToList() : _policy.NotifyTargetsOf(job);
        foreach (var target in targets)
        {
            var queue = _queues[target.Name];
            if (queue.Notifier.Wants(notification.Kind))
            {
                queue.Enqueue(notification);
            }
        }
    }

    /// <summary>Sends what is queued within the flush bound, then drops the rest (logged and counted).</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_queues.Values.Select(q => q.CloseAsync(_flushBound)));
        foreach (var queue in _queues.Values)
        {
            queue.Dispose();
        }

        _http.Dispose();
    }
}
