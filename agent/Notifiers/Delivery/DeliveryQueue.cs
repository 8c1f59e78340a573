using System.Threading.Channels;
using Serilog;

namespace VolumeAgent.Notifiers.Delivery;

/// <summary>
/// One target's notifications, sent in order by a background task of their own: a bounded queue (a full queue drops
/// the new notification and counts it failed), each notification tried by <see cref="Backoff"/>, and each that could
/// not be delivered logged (target name, type and host, never its URL's path or a secret) and counted.
/// </summary>
internal sealed class DeliveryQueue : IDisposable
{
    public const int Capacity = 64;

    private readonly INotifier _notifier;
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<Notification> _queue = Channel.CreateBounded<Notification>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sender;
    private long _failed;
    private long _delivered;

    public DeliveryQueue(INotifier notifier, Backoff backoff, TimeProvider time, ILogger log)
    {
        _notifier = notifier;
        _backoff = backoff;
        _time = time;
        _log = log.ForContext("Notify", notifier.Target.Name);
        _sender = Task.Run(SendAllAsync);
    }

    public INotifier Notifier => _notifier;

    /// <summary>Notifications that could not be delivered (given up after retries, or dropped).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Queues the notification and returns at once; a full queue drops it (logged and counted).</summary>
    public void Enqueue(Notification notification)
    {
        if (!_queue.Writer.TryWrite(notification))
        {
            _log.ForEvent(LogEvents.NotificationDropped).Warning(
                "Notification target {Notify:l} ({Type:l} at {Where:l}) has {Capacity} notifications waiting; the {Kind:l} notification of job {Job:l} is dropped",
                _notifier.Target.Name, Policy.Notify.NotifyEvents.Text(_notifier.Target.Type), NotifierKinds.Where(_notifier.Target), Capacity, HttpDelivery.EventName(notification.Kind), notification.Job);
            Interlocked.Increment(ref _failed);
        }
    }

    /// <summary>
    /// Takes no more, sends what is queued within <paramref name="bound"/>, then gives up what is left (logged and
    /// counted). The bound is on the host's clock: the process is about to exit, whatever clock the retries use.
    /// </summary>
    public async Task CloseAsync(TimeSpan bound)
    {
        _queue.Writer.TryComplete();
        if (await Task.WhenAny(_sender, Task.Delay(bound, TimeProvider.System)) != _sender)
        {
            await _stop.CancelAsync();
            await _sender;
        }
    }

    public void Dispose() => _stop.Dispose();

    private async Task SendAllAsync()
    {
        try
        {
            await foreach (var notification in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                await SendOneAsync(notification);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            var left = 0;
            while (_queue.Reader.TryRead(out _))
            {
                left++;
            }

            if (left > 0)
            {
                Interlocked.Add(ref _failed, left);
                _log.ForEvent(LogEvents.NotificationDropped).Warning(
                    "The agent stops: {Count} notification(s) to {Notify:l} ({Where:l}) were not sent in time and are dropped", left, _notifier.Target.Name, NotifierKinds.Where(_notifier.Target));
            }
        }
    }

    private async Task SendOneAsync(Notification notification)
    {
        var first = _time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            string error;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(_backoff.AttemptTimeout);
                try
                {
                    await _notifier.SendAsync(notification, timeout.Token);
                    Interlocked.Increment(ref _delivered);
                    return;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_stop.IsCancellationRequested)
                {
                    error = $"no answer within {Policy.Duration.Format(_backoff.AttemptTimeout)}";
                }
            }
            catch (Exception ex) when (ex is NotificationDeliveryException or HttpRequestException or IOException or System.Net.Sockets.SocketException)
            {
                error = ex.Message;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                error = "the agent stopped before it was delivered";
                Fail(notification, attempt, error);
                throw;
            }

            var wait = _backoff.DelayBefore(attempt + 1, _time.GetElapsedTime(first));
            if (wait is not { } delay)
            {
                Fail(notification, attempt, error);
                return;
            }

            try
            {
                await Task.Delay(delay, _time, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                Fail(notification, attempt, error + "; the agent stopped before the next attempt");
                throw;
            }
        }
    }

    private void Fail(Notification notification, int attempts, string error)
    {
        // Logged, then counted: whoever sees the count (status, /metrics, a test) finds the log line already written.
        _log.ForEvent(LogEvents.NotificationFailed).Warning(
            "The {Kind:l} notification of job {Job:l} could not be delivered to {Notify:l} ({Type:l} at {Where:l}) after {Attempts} attempt(s): {Error:l}",
            HttpDelivery.EventName(notification.Kind), notification.Job, _notifier.Target.Name, Policy.Notify.NotifyEvents.Text(_notifier.Target.Type), NotifierKinds.Where(_notifier.Target), attempts, error);
        Interlocked.Increment(ref _failed);
    }
}
