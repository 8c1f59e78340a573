using System.CommandLine;
using System.Text.Json;
using Serilog.Events;
using VolumeAgent.Control.Client;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Control.Status;
using VolumeAgent.Policy;
using VolumeAgent.Presentation;
using VolumeAgent.Runs;
using VolumeAgent.Runs.Stops;

namespace VolumeAgent.Cli;

/// <summary>
/// <c>volume-agent status</c>: per job, the last run (time, result, size, duration) and the next scheduled run.
/// From the daemon of this configuration when one answers; otherwise from the storages' newest sets, marked so.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(Option<string> config)
    {
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON object." };
        var noDaemon = new Option<bool>("--no-daemon") { Description = "Read the storages even when a daemon answers." };
        var command = new Command("status", "Show each job's last run and next scheduled run.");
        command.Options.Add(json);
        command.Options.Add(noDaemon);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(parse.GetValue(config)!, parse.GetValue(json), parse.GetValue(noDaemon), ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, bool json, bool noDaemon, CancellationToken cancellationToken)
    {
        // Read once: the repair and the daemon's address need it, and without a daemon the report does too.
        var policy = TryLoad(configPath);
        if (policy is not null)
        {
            // Daemon or not: a killed `run-now --no-daemon` was no daemon's run.
            await StopRecovery.RepairAsync(policy.StateDir, policy.Engines, Logging.Configure(policy.LogFormat, LogEventLevel.Warning), cancellationToken);
        }

        if (!noDaemon)
        {
            var request = new ControlRequest { Command = ControlCommands.Status };
            await using var client = await DaemonConnector.For(configPath, policy?.StateDir, environment: null)
                .TryRequestAsync(request, Console.Error, "read its storages", cancellationToken);
            if (client is not null)
            {
                var console = new ControlConsole(Console.Out, Console.Error) { OnStatus = status => Print(status, json) };
                return await console.RunAsync(client, cancellationToken);
            }
        }

        // A configuration with problems may still reach its daemon by path; without one, its problems are the answer.
        policy ??= ConfigOption.Load(configPath);
        var report = await StorageStatus.ReadAsync(policy, AgentSession.OpenStores(policy), TimeProvider.System, cancellationToken);
        Print(report, json);
        return ExitCodes.Success;
    }

    private static BackupPolicy? TryLoad(string configPath)
    {
        try
        {
            return ConfigOption.Load(configPath);
        }
        catch (PolicyException)
        {
            return null;
        }
    }

    private static void Print(AgentStatus status, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(status, ControlJsonContext.Default.AgentStatus));
            return;
        }

        StatusFormatter.Write(Console.Out, status);
    }
}
