using System.CommandLine;
using Serilog.Events;
using VolumeAgent.Control.Client;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Operations;
using VolumeAgent.Manifest;
using VolumeAgent.Policy;
using VolumeAgent.Presentation;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Cli;

/// <summary><c>volume-agent run-now [JOB...]</c>: runs jobs now, in this process, and reports every artifact.</summary>
internal static class RunNowCommand
{
    public static Command Create(Option<string> config)
    {
        var jobsArgument = new Argument<string[]>("job") { Description = "Jobs to run (default: all).", Arity = ArgumentArity.ZeroOrMore };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every step, not only problems." };
        var noDaemon = new Option<bool>("--no-daemon") { Description = "Run in this process even when a daemon answers on the control socket." };
        var command = new Command("run-now", "Run jobs now: back up their sources into their storages.");
        command.Arguments.Add(jobsArgument);
        command.Options.Add(verbose);
        command.Options.Add(noDaemon);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(parse.GetValue(config)!, parse.GetValue(jobsArgument) ?? [], parse.GetValue(verbose), parse.GetValue(noDaemon), ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, IReadOnlyList<string> jobNames, bool verbose, bool noDaemon, CancellationToken cancellationToken)
    {
        // The daemon of this configuration, when one answers, runs the jobs itself: its job locks, status and health
        // then know about the run.
        if (!noDaemon)
        {
            var request = new ControlRequest { Command = ControlCommands.RunNow, Args = jobNames, Verbose = verbose };
            await using var daemon = await DaemonConnector.For(configPath).TryRequestAsync(request, Console.Error, "run its jobs", cancellationToken);
            if (daemon is not null)
            {
                return await new ControlConsole(Console.Out, Console.Error).RunAsync(daemon, cancellationToken);
            }
        }

        var policy = ConfigOption.Load(configPath);
        var jobs = JobSelection.Select(policy, jobNames);
        var log = Logging.Configure(policy.LogFormat, verbose ? LogEventLevel.Information : LogEventLevel.Warning);
        await using var session = await AgentSession.OpenAsync(policy, log, TimeProvider.System, cancellationToken);
        await using var subscribers = RunSubscribers.Create(policy, log);
        var runs = new RunService(policy.StateDir, session.Runner.RunAsync, verify: null, subscribers, TimeProvider.System, log);
        var console = new RunConsole(Console.Out, Console.Error);
        var failed = false;
        foreach (var job in jobs)
        {
            // Another agent process running the job: this one does not start it again (the console says so).
            var result = await runs.RunAsync(job, ManifestTrigger.Manual, WhenBusy.Skip, console, cancellationToken);
            failed |= result is not { Succeeded: true };
        }

        console.WriteTable();
        return failed ? ExitCodes.Failure : ExitCodes.Success;
    }
}
