using System.CommandLine;
using Serilog.Events;
using VolumeAgent.Crypto;
using VolumeAgent.Docker;
using VolumeAgent.Operations;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Presentation;
using VolumeAgent.Restore;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Cli;

/// <summary>
/// <c>volume-agent verify [SET | --latest [JOB]] [--drill]</c>: reads every artifact back and checks it; with
/// --drill, also restores the set into throwaway targets and compares. The result goes into the set's manifest.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(Option<string> config)
    {
        var setArgument = new Argument<string?>("set")
        {
            Description = "The set: JOB/latest, JOB/DIRECTORY, its directory name, or a run id prefix. Default: the newest good set of every job.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var latest = new Option<string?>("--latest")
        {
            Description = "Check the newest complete, successful set of this job (of every job when no job is named).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var drill = new Option<bool>("--drill") { Description = "Also restore the set into throwaway volumes and database containers, and compare." };
        var storage = new Option<string?>("--storage") { Description = "Check the set in this storage only (default: every storage that holds it)." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every step, not only problems." };
        var keys = new KeyOptions();
        var command = new Command("verify", "Check backup sets: checksums, archives and dumps read back whole; with --drill, a trial restore.");
        command.Arguments.Add(setArgument);
        command.Options.Add(latest);
        command.Options.Add(drill);
        command.Options.Add(storage);
        command.Options.Add(verbose);
        keys.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(
                parse.GetValue(config)!,
                parse.GetValue(setArgument),
                parse.GetResult(latest) is not null,
                parse.GetValue(latest),
                parse.GetValue(drill),
                parse.GetValue(storage),
                parse.GetValue(verbose),
                keys.Load(parse),
                ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string configPath, string? spec, bool latest, string? latestJob, bool drill, string? storage, bool verbose, DecryptionKeys? keys, CancellationToken cancellationToken)
    {
        if (spec is not null && latest)
        {
            throw new UsageException("Name a set or use --latest, not both.");
        }

        var policy = ConfigOption.Load(configPath);
        if (latestJob is not null)
        {
            JobSelection.Select(policy, [latestJob]);
        }

        var stores = AgentSession.OpenStores(policy);
        List<StoredSet> targets;
        List<StoredSet> unusable;
        try
        {
            var all = await SetSelector.ListAsync(stores, storage, latestJob, cancellationToken).ToListAsync(cancellationToken);
            var chosen = spec is not null ? SetSelector.Copies(all, spec) : SetSelector.LatestGood(all);
            if (chosen.Count == 0)
            {
                await Console.Error.WriteLineAsync(latestJob is null ? "No complete, successful backup set to verify yet." : $"Job {latestJob} has no complete, successful backup set to verify yet.");
                return ExitCodes.Failure;
            }

            // The same set in several storages: every copy is checked, each can rot on its own.
            var copies = all.Where(s => chosen.Any(c => c.Name == s.Name)).ToList();
            unusable = copies.Where(s => s.Set.State != BackupSetState.Complete).ToList();
            targets = copies.Except(unusable).Select(s => s with { Keys = keys }).ToList();
        }
        catch (SetNotFoundException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.ConfigurationError;
        }

        var log = Logging.Configure(policy.LogFormat, verbose ? LogEventLevel.Information : LogEventLevel.Warning);
        // The runner needs the session, opened below; a copy that is not complete fails before it would be used.
        VerificationRunner? runner = null;
        await using var subscribers = RunSubscribers.Create(policy, log);
        var runs = new RunService(policy.StateDir, run: null, (set, d, ct) => runner!.RunAsync(set, d, ct), subscribers, TimeProvider.System, log);
        var console = new RunConsole(Console.Out, Console.Error);

        // A copy of the set that is incomplete or corrupt in a storage fails there (exit 1), as a bad checksum would.
        foreach (var copy in unusable)
        {
            await runs.VerifyAsync(copy, drill, console, cancellationToken);
        }

        if (targets.Count == 0)
        {
            return ExitCodes.Failure;
        }

        AgentSession? session = null;
        try
        {
            session = await AgentSession.OpenAsync(policy, log, TimeProvider.System, cancellationToken);
        }
        catch (DockerUnavailableException ex) when (!drill)
        {
            await Console.Error.WriteLineAsync($"{ex.Message} Verifying without it: custom-format dumps are checked by their header only.");
        }

        await using (session)
        {
            runner = new VerificationRunner(session?.Docker, policy.HelperImage, session?.Instance.Id ?? string.Empty, TimeProvider.System, log, session?.Engines);
            var failed = unusable.Count > 0;
            foreach (var set in targets)
            {
                var result = await runs.VerifyAsync(set, drill, console, cancellationToken);
                failed |= !result.Succeeded;
            }

            return failed ? ExitCodes.Failure : ExitCodes.Success;
        }
    }
}
