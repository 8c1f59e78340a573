using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Manifest;

namespace VolumeAgent.Control.Daemon;

/// <summary>
/// A Serilog sink that copies log events about one job to the control clients watching that job's run, so
/// <c>run-now</c> through the daemon shows the same lines an in-process run logs.
/// </summary>
internal sealed class LogBroadcast : ILogEventSink
{
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
        var message = RenderLiteral(logEvent);
        if (logEvent.Exception is { } exception)
        {
            message += $" ({exception.GetType().Name}: {exception.Message})";
        }

        return ControlEvent.Log(logEvent.Timestamp, LevelName(logEvent.Level), job, Scalar(logEvent, "RunId"), message);
    }

    /// <summary>The message with scalar values as they are (no quotes around strings or enums), as the console shows it.</summary>
    internal static string RenderLiteral(LogEvent logEvent)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is PropertyToken property
                && logEvent.Properties.TryGetValue(property.PropertyName, out var value)
                && value is ScalarValue { Value: var raw })
            {
                text.Write(raw is IFormattable formattable ? formattable.ToString(property.Format, CultureInfo.InvariantCulture) : raw?.ToString());
            }
            else
            {
                token.Render(logEvent.Properties, text, CultureInfo.InvariantCulture);
            }
        }

        return text.ToString();
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
