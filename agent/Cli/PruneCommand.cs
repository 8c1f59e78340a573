using System.CommandLine;
using Serilog.Events;
using VolumeAgent.Presentation;
using VolumeAgent.Retention;
using VolumeAgent.Runs;
using VolumeAgent.Runs.Stops;

namespace VolumeAgent.Cli;

/// <summary><c>volume-agent prune [JOB] [--dry-run]</c>: applies retention now and shows why each set stays or goes.</summary>
internal static class PruneCommand
{
    public static Command Create(Option<string> config)
    {
        var jobArgument = new Argument<string?>("job") { Description = "Only this job (default: every job).", Arity = ArgumentArity.ZeroOrOne };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Show what would be deleted, delete nothing." };
        var command = new Command("prune", "Apply each job's retention: list every set with keep/delete and the rules that keep it.");
        command.Arguments.Add(jobArgument);
        command.Options.Add(dryRun);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(parse.GetValue(config)!, parse.GetValue(jobArgument), parse.GetValue(dryRun), ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, string? job, bool dryRun, CancellationToken cancellationToken)
    {
        var policy = ConfigOption.Load(configPath);
        var jobs = JobSelection.Select(policy, job is null ? [] : [job]);
        var log = Logging.Configure(policy.LogFormat, LogEventLevel.Warning);
        await StopRecovery.RepairAsync(policy.StateDir, policy.Engines, log, cancellationToken);
        var stores = AgentSession.OpenStores(policy);
        var failed = false;
        foreach (var options in jobs)
        {
            // A run of the job may be writing a set right now; prune only between runs.
            using var jobLock = JobLock.TryAcquire(policy.StateDir, options.Name);
            if (jobLock is null)
            {
                Console.Error.WriteLine($"Job {options.Name} is running now; prune it after the run.");
                failed = true;
                continue;
            }

            foreach (var storage in options.StorageNames)
            {
                var decisions = await RetentionPruner.PruneAsync(
                    stores[storage], options.Name, options.Retention, policy.TimeZone, TimeProvider.System.GetUtcNow(), dryRun, log, cancellationToken);
                Console.WriteLine($"job {options.Name}, storage {storage}{(dryRun ? " (dry run: nothing deleted)" : string.Empty)}:");
                Console.Write(RetentionReport.Format(decisions, policy.TimeZone));
                Console.WriteLine();
            }
        }

        return failed ? ExitCodes.Failure : ExitCodes.Success;
    }
}
