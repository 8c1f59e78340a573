using Serilog;
using VolumeAgent.Policy;

namespace VolumeAgent.Operations;

/// <summary>
/// The registration point of the subscribers every <see cref="RunService"/> of a process tells of every run. A
/// notifier or a metrics exporter is one line in <see cref="Create"/>; the caller of one run (a console, a control
/// socket client) passes its own subscriber to that call instead.
/// </summary>
internal sealed class RunSubscribers
{
    private readonly IReadOnlyList<IRunSubscriber> _subscribers;
    private readonly ILogger _log;

    private RunSubscribers(IReadOnlyList<IRunSubscriber> subscribers, ILogger log)
    {
        _subscribers = subscribers;
        _log = log;
    }

    public IReadOnlyList<IRunSubscriber> All => _subscribers;

    /// <param name="host">What the process itself keeps of its runs: the daemon's status book; none in-process.</param>
    public static RunSubscribers Create(BackupPolicy policy, ILogger log, params IRunSubscriber[] host)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(host);
        List<IRunSubscriber> subscribers = [.. host];

        // Notifiers and exporters register here, one line each, e.g. subscribers.Add(new WebhookNotifier(policy, log));
        return new RunSubscribers(subscribers, log);
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
