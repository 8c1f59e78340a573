using System.CommandLine;
using System.Text.Json;
using Serilog.Events;
using VolumeAgent.Policy;
using VolumeAgent.Presentation;
using VolumeAgent.Runs;
using VolumeAgent.Runs.Stops;
using VolumeAgent.Storage.Sync;

namespace VolumeAgent.Cli;

/// <summary>
/// <c>volume-agent sync [JOB] [--from A] [--to B]</c>: copies to each storage the complete sets of the job it lacks
/// (a run could not write them there), checksum-verified, so a storage that was down catches up.
/// </summary>
internal static class SyncCommand
{
    public static Command Create(Option<string> config)
    {
        var jobArgument = new Argument<string?>("job") { Description = "Only this job (default: every job).", Arity = ArgumentArity.ZeroOrOne };
        var from = new Option<string?>("--from") { Description = "Copy only from this storage (default: any other storage of the job)." };
        var to = new Option<string?>("--to") { Description = "Copy only to this storage (default: every storage of the job)." };
        var json = new Option<bool>("--json") { Description = "Print the copies as one JSON object." };
        var command = new Command("sync", "Copy to each storage the sets of the job it lacks, checked against their SHA256SUMS.");
        command.Arguments.Add(jobArgument);
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(json);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(parse.GetValue(config)!, parse.GetValue(jobArgument), parse.GetValue(from), parse.GetValue(to), parse.GetValue(json), ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, string? job, string? from, string? to, bool json, CancellationToken cancellationToken)
    {
        var policy = ConfigOption.Load(configPath);
        var jobs = JobSelection.Select(policy, job is null ? [] : [job]);
        foreach (var storage in new[] { from, to }.OfType<string>())
        {
            if (!policy.Storage.ContainsKey(storage))
            {
                throw new UsageException($"No storage named '{storage}' in the configuration. Storages: {string.Join(", ", policy.Storage.Keys)}.");
            }
        }

        var log = Logging.Configure(policy.LogFormat, LogEventLevel.Warning);
        await StopRecovery.RepairAsync(policy.StateDir, policy.Engines, log, cancellationToken);
        var stores = AgentSession.OpenStores(policy);
        var copies = new List<SyncCopy>();
        var busy = new List<string>();
        foreach (var options in jobs.Where(j => Involves(j.StorageNames, from, to)))
        {
            // A run of the job may be writing a set right now, which looks incomplete until its manifest is there.
            using var jobLock = JobLock.TryAcquire(policy.StateDir, options.Name);
            if (jobLock is null)
            {
                busy.Add(options.Name);
                continue;
            }

            copies.AddRange(await SetSync.SyncJobAsync(
                options, stores, from, to, TimeProvider.System, log, storage => LatestPointer.RefreshAsync(stores[storage], storage, options.Name, log, cancellationToken), cancellationToken));
        }

        if (json)
        {
            WriteJson(copies, busy);
        }
        else
        {
            foreach (var copy in copies)
            {
                Console.WriteLine(copy.Succeeded
                    ? $"copied {copy.Job}/{copy.Set} from {copy.From} to {copy.To} ({Bytes.Format(copy.Bytes)})"
                    : $"FAILED {copy.Job}/{copy.Set} from {copy.From} to {copy.To}: {copy.Error}");
            }

            foreach (var name in busy)
            {
                Console.Error.WriteLine($"Job {name} is running now; sync it after the run.");
            }

            Console.WriteLine(copies.Count == 0 ? "Every storage holds every complete set of its jobs." : $"{copies.Count(c => c.Succeeded)} set(s) copied, {copies.Count(c => !c.Succeeded)} failed.");
        }

        return copies.All(c => c.Succeeded) && busy.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>Whether <c>--from</c>/<c>--to</c> concern the job at all: a job that does not use them has nothing to sync.</summary>
    private static bool Involves(IReadOnlyList<string> storages, string? from, string? to) =>
        (from is null || storages.Contains(from, StringComparer.Ordinal) || to is not null) && (to is null || storages.Contains(to, StringComparer.Ordinal) || from is not null);

    private static void WriteJson(List<SyncCopy> copies, List<string> busy)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("copies");
            foreach (var copy in copies)
            {
                writer.WriteStartObject();
                writer.WriteString("job", copy.Job);
                writer.WriteString("set", copy.Set);
                writer.WriteString("from", copy.From);
                writer.WriteString("to", copy.To);
                writer.WriteNumber("bytes", copy.Bytes);
                writer.WriteString("status", copy.Succeeded ? "succeeded" : "failed");
                if (copy.Error is not null)
                {
                    writer.WriteString("error", copy.Error);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("busy_jobs");
            foreach (var name in busy)
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        stdout.Write("\n"u8);
    }
}
