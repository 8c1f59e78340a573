using System.Text.Json;
using System.CommandLine;
using Serilog.Events;
using VolumeAgent.Policy;
using VolumeAgent.Presentation;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Runs.Stops;

namespace VolumeAgent.Cli;

/// <summary><c>volume-agent list [JOB]</c>: the backup sets in every storage, newest last.</summary>
internal static class ListCommand
{
    public static Command Create(Option<string> config)
    {
        var jobArgument = new Argument<string?>("job") { Description = "Only this job's sets.", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print the sets as one JSON object (with each set's tag and run id)." };
        var command = new Command("list", "List the backup sets in the storages: time, status, size, artifact count.");
        command.Arguments.Add(jobArgument);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(parse.GetValue(config)!, parse.GetValue(jobArgument), parse.GetValue(json), ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, string? job, bool json, CancellationToken cancellationToken)
    {
        var policy = ConfigOption.Load(configPath);
        if (job is not null)
        {
            JobSelection.Select(policy, [job]);
        }

        await StopRecovery.RepairAsync(policy.StateDir, policy.Engines, Logging.Configure(policy.LogFormat, LogEventLevel.Warning), cancellationToken);
        if (json)
        {
            var sets = await SetList.ReadAsync(AgentSession.OpenStores(policy), job, cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(sets, SetListJsonContext.Default.SetList));
            return ExitCodes.Success;
        }

        await SetListing.WriteAsync(policy, AgentSession.OpenStores(policy), job, Console.Out, cancellationToken);
        return ExitCodes.Success;
    }
}
