using System.CommandLine;
using System.Globalization;
using Serilog.Events;
using VolumeAgent.Crypto;
using VolumeAgent.Manifest;
using VolumeAgent.Presentation;
using VolumeAgent.Restore;
using VolumeAgent.Runs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;

namespace VolumeAgent.Cli;

/// <summary>
/// <c>volume-agent restore SET</c>: checks every artifact of the set (nothing is written when one fails), shows
/// what will be overwritten, asks, then restores volumes and databases to where they came from or elsewhere.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(Option<string> config)
    {
        var setArgument = new Argument<string>("set")
        {
            Description = "The set: JOB/latest, JOB/DIRECTORY, its directory name, or a run id prefix (see `volume-agent list`).",
        };
        var artifacts = new Option<string[]>("--artifact", "-a")
        {
            Description = "Restore only this artifact (file name, source name or database name); repeat for more.",
            AllowMultipleArgumentsPerToken = false,
        };
        var toVolume = new Option<string?>("--to-volume") { Description = "Restore the volume or path artifact into this volume instead (created when missing)." };
        var toContainer = new Option<string?>("--to-container") { Description = "Restore the databases into this running container instead." };
        var database = new Option<string?>("--database") { Description = "Restore the database dump into a database of this name." };
        var force = new Option<bool>("--force") { Description = "Replace non-empty targets: a volume's content, the backup's objects in a database." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required when stdin is not a terminal)." };
        var storage = new Option<string?>("--storage") { Description = "Read the set from this storage (default: the first that holds it)." };
        var engine = new Option<string?>("--engine")
        {
            Description = "Restore on this engine (default, or a name under backup.yml's engines) instead of the one each artifact was backed up on.",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every step, not only problems." };
        var noSafetyCopy = new Option<bool>("--no-safety-copy")
        {
            Description = "With --force: replace data without first backing it up to the job's first storage (a 'pre-restore' set).",
        };
        var keys = new KeyOptions();
        var command = new Command("restore", "Restore a backup set: every artifact is checked first, and nothing is written if one fails.");
        command.Arguments.Add(setArgument);
        foreach (var option in new Option[] { artifacts, toVolume, toContainer, database, force, noSafetyCopy, yes, storage, engine, verbose })
        {
            command.Options.Add(option);
        }

        keys.AddTo(command);

        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(
                parse.GetValue(config)!,
                parse.GetValue(setArgument)!,
                new RestoreRequest
                {
                    Artifacts = parse.GetValue(artifacts) ?? [],
                    ToVolume = parse.GetValue(toVolume),
                    ToContainer = parse.GetValue(toContainer),
                    Engine = parse.GetValue(engine),
                    Database = parse.GetValue(database),
                    Force = parse.GetValue(force),
                    NoSafetyCopy = parse.GetValue(noSafetyCopy),
                },
                parse.GetValue(storage),
                keys.Load(parse),
                parse.GetValue(yes),
                parse.GetValue(verbose),
                ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string configPath, string spec, RestoreRequest request, string? storage, DecryptionKeys? keys, bool yes, bool verbose, CancellationToken cancellationToken)
    {
        var policy = ConfigOption.Load(configPath);
        if (request.Engine is { } named && Policy.Engines.EnginesReader.CheckReference(named, [.. policy.Engines.Select(e => e.Name)]) is { } unknown)
        {
            await Console.Error.WriteLineAsync($"--engine: {unknown}.");
            return ExitCodes.ConfigurationError;
        }

        var stores = AgentSession.OpenStores(policy);
        StoredSet set;
        try
        {
            set = SetSelector.Select(await SetSelector.ListAsync(stores, storage, null, cancellationToken).ToListAsync(cancellationToken), spec) with { Keys = keys };
        }
        catch (SetNotFoundException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.ConfigurationError;
        }
        catch (SetUnusableException ex)
        {
            // The set exists and is bad: a failure, not a mistake on the command line.
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.Failure;
        }

        // No backup of the job may run (or prune delete this set) while it is restored.
        using var jobLock = JobLock.TryAcquire(policy.StateDir, set.Set.Job);
        if (jobLock is null)
        {
            await Console.Error.WriteLineAsync($"Job {set.Set.Job} is running now; restore after the run has finished.");
            return ExitCodes.Failure;
        }

        var log = Logging.Configure(policy.LogFormat, verbose ? LogEventLevel.Information : LogEventLevel.Warning);
        await using var session = await AgentSession.OpenAsync(policy, log, TimeProvider.System, cancellationToken);
        var context = new SourceContext
        {
            Docker = session.Docker,
            Engines = session.Engines,
            HelperImage = policy.HelperImage,
            Job = set.Set.Job,
            RunId = RunId.New().ToString(),
            InstanceId = session.Instance.Id,
            Containers = session.Containers,
            Log = log,
        };
        var runner = new RestoreRunner(context, policy, policy.StateDir, log);
        var progress = new ConsoleProgress();
        Console.WriteLine(
            $"Backup set {set.Name} in storage {set.StorageName}, started {TimeZoneInfo.ConvertTime(set.Set.StartedAt, policy.TimeZone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)}.");
        try
        {
            var plan = await runner.PlanAsync(set, request, progress, cancellationToken);
            Console.WriteLine("Every artifact to restore matches its checksum and reads back whole. This will restore:");
            foreach (var step in plan.Steps)
            {
                Console.WriteLine($"  {step.Summary}");
            }

            foreach (var note in plan.Notes)
            {
                Console.WriteLine($"  note: {note}");
            }

            var copies = request.NoSafetyCopy ? [] : plan.SafetyCopies;
            var safetyJob = copies.Count == 0 ? null : SafetyCopy.JobFor(policy, set, copies);
            if (safetyJob is not null)
            {
                Console.WriteLine($"  first, a safety copy of {string.Join(", ", copies.Select(c => c.Describe()))} goes to storage {safetyJob.StorageNames[0]} (--no-safety-copy skips it)");
            }

            if (!yes && !await ConfirmAsync(plan))
            {
                return ExitCodes.Failure;
            }

            if (safetyJob is not null)
            {
                var copy = await SafetyCopy.RunAsync(session.Runner, safetyJob, cancellationToken);
                if (!copy.Succeeded)
                {
                    await Console.Error.WriteLineAsync(
                        $"The safety copy of what the restore would replace failed: {copy.Error ?? "see the log above"} Nothing was restored. "
                        + "Fix the cause and restore again, or pass --no-safety-copy to restore without one.");
                    return ExitCodes.Failure;
                }

                Console.WriteLine(
                    $"Safety copy: set {safetyJob.Name}/{copy.SetName} in storage {safetyJob.StorageNames[0]}. "
                    + $"To undo this restore: volume-agent restore {safetyJob.Name}/{copy.SetName} --storage {safetyJob.StorageNames[0]} --force --no-safety-copy");
            }

            var done = await runner.ExecuteAsync(plan, progress, cancellationToken);
            Console.WriteLine($"Restored {done.Count} artifact(s) from {set.Name}.");
            return ExitCodes.Success;
        }
        catch (RestoreRefusedException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.Failure;
        }
        catch (RestoreFailedException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.Failure;
        }
    }

    private static async Task<bool> ConfirmAsync(RestorePlan plan)
    {
        if (Console.IsInputRedirected)
        {
            await Console.Error.WriteLineAsync("Not restored: confirmation is needed and stdin is not a terminal. Check the summary above and pass --yes to restore.");
            return false;
        }

        Console.Write(plan.Overwrites ? "Existing data will be REPLACED. Type 'yes' to restore: " : "Type 'yes' to restore: ");
        var answer = await Console.In.ReadLineAsync();
        if (string.Equals(answer?.Trim(), "yes", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        await Console.Error.WriteLineAsync("Not restored.");
        return false;
    }

    private sealed class ConsoleProgress : IProgress<string>
    {
        public void Report(string value) => Console.WriteLine(value);
    }
}
