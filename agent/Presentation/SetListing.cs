using System.Globalization;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Storage;

namespace VolumeAgent.Presentation;

/// <summary>The backup sets of every storage as <c>list</c> shows them, in the process or through the daemon.</summary>
internal static class SetListing
{
    private static readonly string[] Header = ["STORAGE", "JOB", "NODE", "SET", "STARTED", "STATUS", "SIZE", "ARTIFACTS", "VERIFIED", "TAG"];
    private const int NodeColumn = 2;

    /// <summary>
    /// The table of sets, then one line per corrupt set with the reason; or a line saying there are none. What
    /// <c>list</c> prints in the process and what the daemon sends for it over the control socket. Sets Swarm nodes
    /// wrote get a NODE column and are grouped per node within their job.
    /// </summary>
    public static async Task WriteAsync(
        BackupPolicy policy, IReadOnlyDictionary<string, IBackupStore> stores, string? job, TextWriter output, CancellationToken cancellationToken)
    {
        var rows = new List<string[]> { Header };
        var corrupt = new List<string>();
        var holders = new SortedDictionary<(string Job, string Set), List<string>>();
        foreach (var (name, store) in stores)
        {
            var listed = new List<BackupSetInfo>();
            await foreach (var set in store.ListSetsAsync(job, cancellationToken))
            {
                listed.Add(set);
            }

            foreach (var set in listed.OrderBy(s => s.Job, StringComparer.Ordinal).ThenBy(s => s.Node ?? string.Empty, StringComparer.Ordinal))
            {
                if (set.State == BackupSetState.Corrupt)
                {
                    corrupt.Add($"{PathOf(set)} in storage {name} is corrupt: {set.Problem}");
                }

                if (set.State == BackupSetState.Complete)
                {
                    (holders.TryGetValue((set.Job, set.DirectoryName), out var names) ? names : holders[(set.Job, set.DirectoryName)] = []).Add(name);
                }

                rows.Add(
                [
                    name,
                    set.Job,
                    set.Node ?? string.Empty,
                    set.DirectoryName,
                    TimeZoneInfo.ConvertTime(set.StartedAt, policy.TimeZone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture),
                    StatusOf(set),
                    Bytes.Format(set.TotalStoredBytes),
                    set.ArtifactCount.ToString(CultureInfo.InvariantCulture),
                    VerifiedOf(set),
                    set.Manifest?.Tag ?? string.Empty,
                ]);
            }
        }

        if (rows.Count == 1)
        {
            await output.WriteLineAsync(job is null ? "No backup sets yet." : $"No backup sets of job {job} yet.");
            return;
        }

        // The TAG column only when a set has a tag (runs asked for through the HTTP API with one).
        // The NODE column only when a Swarm node's agent wrote a set.
        var tagged = rows.Skip(1).Any(row => row[^1].Length > 0);
        var noded = rows.Skip(1).Any(row => row[NodeColumn].Length > 0);
        TextTable.Write(output, [.. rows.Select(row => tagged ? row : row[..^1]).Select(row => noded ? row : [.. row[..NodeColumn], .. row[(NodeColumn + 1)..]])]);
        foreach (var line in corrupt.Concat(Gaps(policy, holders)))
        {
            await output.WriteLineAsync(line);
        }
    }

    /// <summary>A line for each complete set that some storage of its job lacks, with the command that copies it there.</summary>
    private static IEnumerable<string> Gaps(BackupPolicy policy, SortedDictionary<(string Job, string Set), List<string>> holders)
    {
        foreach (var ((job, set), names) in holders)
        {
            var missing = policy.FindJob(job)?.StorageNames.Where(s => !names.Contains(s, StringComparer.Ordinal)).ToList() ?? [];
            foreach (var storage in missing)
            {
                yield return $"{job}/{set} is not complete in storage {storage} (it is in {string.Join(", ", names)}): `volume-agent sync {job} --to {storage}` copies it.";
            }
        }
    }

    /// <summary>Where the set is in its storage: <c>&lt;job&gt;/&lt;set&gt;</c>, or <c>&lt;job&gt;@&lt;node&gt;/&lt;set&gt;</c> for a Swarm node's.</summary>
    public static string PathOf(BackupSetInfo set) => $"{BackupSetLayout.StorageJobName(set.Job, set.Node)}/{set.DirectoryName}";

    /// <summary>The latest check of the set: verified (checksums), drilled (trial restore), failed, or empty when never checked.</summary>
    public static string VerifiedOf(BackupSetInfo set) => set.Manifest?.Verification switch
    {
        null => string.Empty,
        { Status: not ManifestStatus.Succeeded } => "failed",
        { Kind: ManifestVerificationKind.Drill } => "drilled",
        _ => "verified",
    };

    public static string StatusOf(BackupSetInfo set) => set.State switch
    {
        BackupSetState.Incomplete => "incomplete",
        BackupSetState.Corrupt => "corrupt",
        _ => set.Status == ManifestStatus.Succeeded ? "succeeded" : "failed",
    };
}
