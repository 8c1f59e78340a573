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
        var command = new Command("list", "List the backup sets in the storages: time, status, size, artifact count.");
        command.Arguments.Add(jobArgument);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(parse.GetValue(config)!, parse.GetValue(jobArgument), ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, string? job, CancellationToken cancellationToken)
    {
        var policy = ConfigOption.Load(configPath);
        if (job is not null)
        {
            JobSelection.Select(policy, [job]);
        }

        await StopRecovery.RepairAsync(policy.StateDir, Logging.Configure(policy.LogFormat, LogEventLevel.Warning), cancellationToken);
        await SetListing.WriteAsync(policy, AgentSession.OpenStores(policy), job, Console.Out, cancellationToken);
        return ExitCodes.Success;
    }
}
