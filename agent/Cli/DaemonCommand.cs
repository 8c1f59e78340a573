using System.CommandLine;
using Serilog;
using Serilog.Events;
using VolumeAgent.Control.Daemon;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Presentation;

namespace VolumeAgent.Cli;

/// <summary><c>volume-agent daemon</c>: runs the jobs on their schedules and serves run-now/status on the control socket.</summary>
internal static class DaemonCommand
{
    public const string GraceEnvironmentVariable = "VOLUME_AGENT_SHUTDOWN_GRACE";

    public static Command Create(Option<string> config)
    {
        var grace = new Option<string?>("--shutdown-grace")
        {
            Description = $"How long running jobs get to stop cleanly after SIGTERM, e.g. 30s or 2m (default: ${GraceEnvironmentVariable}, else 30s).",
        };
        var command = new Command("daemon", "Run every job on its schedule and serve run-now/status/health on the control socket (the image's default command).");
        command.Options.Add(grace);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(parse.GetValue(config)!, parse.GetValue(grace), ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, string? graceText, CancellationToken cancellationToken)
    {
        var policy = ConfigOption.Load(configPath);
        var shutdownGrace = ParseGrace(graceText ?? Environment.GetEnvironmentVariable(GraceEnvironmentVariable));
        var console = Logging.Configure(policy.LogFormat, LogEventLevel.Information);
        var broadcast = new LogBroadcast();
        using var log = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Logger(console)
            .WriteTo.Sink(broadcast)
            .CreateLogger();
        var options = new DaemonOptions
        {
            ControlPath = ControlEndpoint.ForDaemon(policy.StateDir),
            ShutdownGrace = shutdownGrace,
            ConfigPath = Path.GetFullPath(configPath),
        };
        var daemon = new AgentDaemon(policy, options, broadcast, TimeProvider.System, log);
        return await daemon.RunAsync(cancellationToken);
    }

    private static TimeSpan ParseGrace(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return DaemonOptions.DefaultShutdownGrace;
        }

        return Policy.Duration.TryParse(text.Trim(), out var value)
            ? value
            : throw new UsageException($"The shutdown grace '{text}' is not a duration; {Policy.Duration.Help}.");
    }
}
