using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace VolumeAgent.Control;

/// <summary>
/// A Serilog sink that copies log events about one job to the control clients watching that job's run, so
/// <c>run-now</c> through the daemon shows the same lines an in-process run logs.
/// </summary>
internal sealed class LogBroadcast : ILogEventSink
{
    /// <summary>Strings as they are, not quoted: the console's own rendering ({Message:lj}).</summary>
    private static readonly MessageTemplateTextFormatter Literal = new("{Message:lj}", CultureInfo.InvariantCulture);

    private readonly Lock _gate = new();
    private Subscription[] _subscriptions = [];

    /// <summary>Forwards events with property Job = <paramref name="job"/> at <paramref name="minimum"/> or above, until disposed.</summary>
    public IDisposable Subscribe(string job, LogEventLevel minimum, IControlEvents events)
    {
        var subscription = new Subscription(this, job, minimum, events);
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var subscriptions = Volatile.Read(ref _subscriptions);
        if (subscriptions.Length == 0 || Scalar(logEvent, "Job") is not { } job)
        {
            return;
        }

        ControlEvent? forwarded = null;
        foreach (var subscription in subscriptions)
        {
            if (subscription.Job == job && logEvent.Level >= subscription.Minimum)
            {
                forwarded ??= ToControlEvent(logEvent, job);
                subscription.Events.Post(forwarded);
            }
        }
    }

    internal static ControlEvent ToControlEvent(LogEvent logEvent, string job)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        Literal.Format(logEvent, text);
        var message = text.ToString();
        if (logEvent.Exception is { } exception)
        {
            message += $" ({exception.GetType().Name}: {exception.Message})";
        }

        return ControlEvent.Log(logEvent.Timestamp, LevelName(logEvent.Level), job, Scalar(logEvent, "RunId"), message);
    }

    internal static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "verbose",
        LogEventLevel.Debug => "debug",
        LogEventLevel.Information => "information",
        LogEventLevel.Warning => "warning",
        LogEventLevel.Error => "error",
        _ => "fatal",
    };

    private static string? Scalar(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: { } raw }
            ? Convert.ToString(raw, CultureInfo.InvariantCulture)
            : null;

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = _subscriptions.Where(s => !ReferenceEquals(s, subscription)).ToArray();
        }
    }

    private sealed class Subscription(LogBroadcast owner, string job, LogEventLevel minimum, IControlEvents events) : IDisposable
    {
        public string Job => job;

        public LogEventLevel Minimum => minimum;

        public IControlEvents Events => events;

        public void Dispose() => owner.Remove(this);
    }
}
