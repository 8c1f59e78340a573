using System.CommandLine;
using System.Globalization;
using Serilog.Events;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Cli;

/// <summary><c>volume-agent list [JOB]</c>: the backup sets in every storage, newest last.</summary>
internal static class ListCommand
{
    private static readonly string[] Header = ["STORAGE", "JOB", "SET", "STARTED", "STATUS", "SIZE", "ARTIFACTS", "VERIFIED"];

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
            RunNowCommand.SelectJobs(policy, [job]);
        }

        await StopRecovery.RepairAsync(policy.StateDir, Logging.Configure(policy.LogFormat, LogEventLevel.Warning), cancellationToken);
        await WriteSetsAsync(policy, AgentSession.OpenStores(policy), job, Console.Out, cancellationToken);
        return ExitCodes.Success;
    }

    /// <summary>
    /// The table of sets, then one line per corrupt set with the reason; or a line saying there are none. Shared with the
    /// daemon's <c>list</c> over the control socket.
    /// </summary>
    internal static async Task WriteSetsAsync(
        BackupPolicy policy, IReadOnlyDictionary<string, IBackupStore> stores, string? job, TextWriter output, CancellationToken cancellationToken)
    {
        var rows = new List<string[]> { Header };
        var corrupt = new List<string>();
        foreach (var (name, store) in stores)
        {
            await foreach (var set in store.ListSetsAsync(job, cancellationToken))
            {
                if (set.State == BackupSetState.Corrupt)
                {
                    corrupt.Add($"{set.Job}/{set.DirectoryName} in storage {name} is corrupt: {set.Problem}");
                }

                rows.Add(
                [
                    name,
                    set.Job,
                    set.DirectoryName,
                    TimeZoneInfo.ConvertTime(set.StartedAt, policy.TimeZone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture),
                    StatusOf(set),
                    Bytes.Format(set.TotalStoredBytes),
                    set.ArtifactCount.ToString(CultureInfo.InvariantCulture),
                    VerifiedOf(set),
                ]);
            }
        }

        if (rows.Count == 1)
        {
            await output.WriteLineAsync(job is null ? "No backup sets yet." : $"No backup sets of job {job} yet.");
            return;
        }

        TextTable.Write(output, rows);
        foreach (var line in corrupt)
        {
            await output.WriteLineAsync(line);
        }
    }

    /// <summary>The latest check of the set: verified (checksums), drilled (trial restore), failed, or empty when never checked.</summary>
    internal static string VerifiedOf(BackupSetInfo set) => set.Manifest?.Verification switch
    {
        null => string.Empty,
        { Status: not ManifestStatus.Succeeded } => "failed",
        { Kind: ManifestVerificationKind.Drill } => "drilled",
        _ => "verified",
    };

    internal static string StatusOf(BackupSetInfo set) => set.State switch
    {
        BackupSetState.Incomplete => "incomplete",
        BackupSetState.Corrupt => "corrupt",
        _ => set.Status == ManifestStatus.Succeeded ? "succeeded" : "failed",
    };
}
