using Serilog;
using VolumeAgent.Notifiers;
using VolumeAgent.Policy;

namespace VolumeAgent.Operations;

/// <summary>
/// The registration point of the subscribers every <see cref="RunService"/> of a process tells of every run. A
/// notifier or a metrics exporter is one line in <see cref="Create"/>; the caller of one run (a console, a control
/// socket client) passes its own subscriber to that call instead.
/// </summary>
internal sealed class RunSubscribers : IAsyncDisposable
{
    private readonly IReadOnlyList<IRunSubscriber> _subscribers;
    private readonly IReadOnlyList<IRunSubscriber> _registered;
    private readonly ILogger _log;

    private RunSubscribers(IReadOnlyList<IRunSubscriber> subscribers, IReadOnlyList<IRunSubscriber> registered, ILogger log)
    {
        _subscribers = subscribers;
        _registered = registered;
        _log = log;
    }

    public IReadOnlyList<IRunSubscriber> All => _subscribers;

    /// <param name="host">What the process itself keeps of its runs: the daemon's status book; none in-process.</param>
    public static RunSubscribers Create(BackupPolicy policy, ILogger log, params IRunSubscriber[] host) => Create(policy, TimeProvider.System, log, host);

    /// <param name="time">The clock the registered subscribers use (a notifier's retries).</param>
    /// <param name="host">What the process itself keeps of its runs: the daemon's status book; none in-process.</param>
    public static RunSubscribers Create(BackupPolicy policy, TimeProvider time, ILogger log, params IRunSubscriber[] host)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(host);
        List<IRunSubscriber> registered = [];

        // Notifiers and exporters register here, one line each (a subscriber that holds resources is IAsyncDisposable).
        registered.AddRange(NotificationSubscriber.For(policy, time, log));
        return new RunSubscribers([.. host, .. registered], registered, log);
    }

    /// <summary>The registered subscriber of type <typeparamref name="T"/>, if there is one (e.g. the notifiers, for status).</summary>
    public T? Find<T>()
        where T : class, IRunSubscriber => _registered.OfType<T>().FirstOrDefault();

    /// <summary>Lets the registered subscribers finish (queued notifications get a short bounded flush); the host's are the host's.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var subscriber in _registered.OfType<IAsyncDisposable>())
        {
            await subscriber.DisposeAsync();
        }
    }

    /// <summary>Tells every registered subscriber, then the caller's own; a registered one that throws is logged and skipped.</summary>
    public void Publish(RunEvent runEvent, IRunSubscriber? caller)
    {
        foreach (var subscriber in _subscribers)
        {
            try
            {
                subscriber.OnEvent(runEvent);
            }
#pragma warning disable CA1031 // A listener's failure must never fail or stop the run it listens to.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _log.ForEvent(LogEvents.RunSubscriberFailed).Warning(ex, "{Subscriber:l} failed on {Event:l} of job {Job}; the run goes on", subscriber.GetType().Name, runEvent.GetType().Name, runEvent.Job);
            }
        }

        caller?.OnEvent(runEvent);
    }
}
