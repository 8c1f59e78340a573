using Serilog;
using Serilog.Events;
using Serilog.Formatting.Json;
using VolumeAgent.Manifest;
using VolumeAgent.Policy;

namespace VolumeAgent;

/// <summary>Console logging: readable lines by default, JSON lines with log_format: json or VOLUME_AGENT_LOG_FORMAT=json.</summary>
internal static class Logging
{
    private const string TextTemplate =
        "{Timestamp:yyyy-MM-dd HH:mm:ss} {Level:u3} {JobTag}{Message:lj}{NewLine}{Exception}";

    public static ILogger Configure(LogFormat format, LogEventLevel minimum)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("VOLUME_AGENT_LOG_FORMAT");
        if (string.Equals(fromEnvironment, "json", StringComparison.OrdinalIgnoreCase))
        {
            format = LogFormat.Json;
        }
        else if (string.Equals(fromEnvironment, "text", StringComparison.OrdinalIgnoreCase))
        {
            format = LogFormat.Text;
        }

        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .Enrich.With<JobTagEnricher>();
        configuration = format == LogFormat.Json
            ? configuration.WriteTo.Console(new JsonFormatter(renderMessage: true), standardErrorFromLevel: LogEventLevel.Verbose)
            : configuration.WriteTo.Console(outputTemplate: TextTemplate, standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        var logger = configuration.CreateLogger();
        Log.Logger = logger;
        return logger;
    }

    /// <summary>Every line about a run starts with its job and run id in text form: "[nightly 1a2b3c4d] ".</summary>
    private sealed class JobTagEnricher : Serilog.Core.ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory)
        {
            var tag = logEvent.Properties.TryGetValue("Job", out var job)
                ? $"[{(job as ScalarValue)?.Value}{(logEvent.Properties.TryGetValue("RunId", out var run) ? " " + (run as ScalarValue)?.Value : string.Empty)}] "
                : string.Empty;
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("JobTag", tag));
        }
    }
}
