using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Sources.Shared.Helpers;

namespace VolumeAgent.Storage.Restic;

/// <summary>
/// Volumes and host paths backed up by restic itself: <c>restic backup</c> of the tree mounted read-only into the
/// helper, with the job's previous snapshot of the same source as <c>--parent</c>, so files whose size, mtime and inode
/// are unchanged are not read and no unchanged byte crosses the engine. The snapshot carries the set's tags plus
/// <c>source=</c>; restored by <c>restic restore</c> into a helper that mounts the target, listed by <c>restic ls --json</c>.
/// </summary>
internal sealed class ResticTrees(ResticHelper restic, Func<CancellationToken, Task<IReadOnlyList<ResticSnapshot>>> snapshots)
{
    /// <summary>restic's progress lines, once a second: the run's stall watchdog sees restic working through an unchanged tree.</summary>
    private const string ProgressRate = "RESTIC_PROGRESS_FPS=1";

    /// <summary>What restoring as root needs to put owners, modes and special files back, as tar's restore has.</summary>
    private static readonly string[] RestoreCapabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "MKNOD"];

    /// <summary>The <c>source=</c> tag of a tree (a comma would split restic's tag list).</summary>
    public static string SourceTag(string key) => "source=" + key.Replace(",", "%2C", StringComparison.Ordinal);

    public async Task<FileTreeBackup> BackUpAsync(SetAddress set, FileTreeSource source, Action progress, CancellationToken cancellationToken)
    {
        var sourceTag = SourceTag(source.Key);
        var parent = (await snapshots(cancellationToken))
            .Where(s => s.Tag("job") == set.Job && s.Tags.Contains(sourceTag))
            .MaxBy(s => s.Time);
        var root = source.Mount.Target;
        List<string> arguments = ["backup", root, "--json", "--host", "volume-agent"];
        foreach (var tag in ResticUpload.TagsOf(set, "tree").Where(t => !t.StartsWith("object=", StringComparison.Ordinal)).Append(sourceTag))
        {
            arguments.AddRange(["--tag", tag]);
        }

        if (parent is not null)
        {
            arguments.AddRange(["--parent", parent.Id]);
        }

        foreach (var pattern in source.Exclude)
        {
            arguments.AddRange(["--exclude", ExcludeOf(root, pattern)]);
        }

        var helper = await restic.StartAsync(
            arguments, stdin: false, $"back up {source.Key} with restic", mounts: [source.Mount], capabilities: null, environment: [ProgressRate], cancellationToken);
        await using (helper)
        {
            ResticSummary? summary = null;
            using (var reader = new StreamReader(helper.Output, leaveOpen: true))
            {
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    progress();
                    summary = ResticJson.ParseSummaryLine(line) ?? summary;
                }
            }

            var exit = await helper.WaitAsync(cancellationToken);
            if (exit == 3)
            {
                throw new StorageException(
                    $"restic storage '{restic.Options.Name}': restic could not read some files of {source.Key} (exit 3), so its snapshot is incomplete: {helper.Stderr.ToString().Trim()}");
            }

            if (exit != 0 || summary is null)
            {
                throw await restic.FailureAsync("backup", exit, helper.Stderr.ToString(), cancellationToken);
            }

            var snapshot = new ManifestSnapshot
            {
                Storage = restic.Options.Name,
                Id = summary.SnapshotId,
                Parent = parent?.Id,
                FilesNew = summary.FilesNew,
                FilesChanged = summary.FilesChanged,
                FilesUnmodified = summary.FilesUnmodified,
                DataAdded = summary.DataAdded,
            };
            return new FileTreeBackup(snapshot, summary.TotalBytesProcessed);
        }
    }

    /// <summary>Null when <c>restic cat snapshot</c> finds it; else why not.</summary>
    public async Task<string?> CheckAsync(ManifestSnapshot snapshot, CancellationToken cancellationToken)
    {
        var (exit, _, stderr) = await restic.TryCaptureAsync(["cat", "snapshot", snapshot.Id], cancellationToken);
        return exit == 0
            ? null
            : $"restic storage '{restic.Options.Name}': snapshot {snapshot.Id} of the set is not in the repository {restic.Options.Repository} ({ResticErrors.Failed(restic.Options, "cat snapshot", exit, stderr).Message})";
    }

    /// <summary>
    /// <c>restic restore &lt;id&gt; --target /</c> in a helper that mounts the target where the tree was mounted when it
    /// was backed up, so every path lands in it.
    /// </summary>
    public async Task RestoreAsync(ManifestSnapshot snapshot, MountSpec target, CancellationToken cancellationToken)
    {
        var helper = await restic.StartAsync(
            ["restore", snapshot.Id, "--target", "/"], stdin: false, $"restore snapshot {snapshot.Id} with restic", mounts: [target], capabilities: RestoreCapabilities, environment: null, cancellationToken);
        await using (helper)
        {
            await DrainAsync(helper, cancellationToken);
            var exit = await helper.WaitAsync(cancellationToken);
            if (exit != 0)
            {
                throw ResticErrors.Failed(restic.Options, "restore", exit, helper.Stderr.ToString());
            }
        }
    }

    /// <summary>The snapshot's entries from <c>restic ls --json</c>, read line by line, paths relative to the tree's root.</summary>
    public async Task<IReadOnlyList<FileTreeEntry>> ListAsync(ManifestSnapshot snapshot, string root, CancellationToken cancellationToken)
    {
        var helper = await restic.StartAsync(["ls", "--json", snapshot.Id], stdin: false, $"list snapshot {snapshot.Id}", cancellationToken);
        await using (helper)
        {
            var entries = new List<FileTreeEntry>();
            using (var reader = new StreamReader(helper.Output, leaveOpen: true))
            {
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (ResticJson.ParseNode(line, root) is { } entry)
                    {
                        entries.Add(entry);
                    }
                }
            }

            var exit = await helper.WaitAsync(cancellationToken);
            return exit == 0 ? entries : throw ResticErrors.Failed(restic.Options, "ls", exit, helper.Stderr.ToString());
        }
    }

    /// <summary>
    /// A tar-style exclude (relative to the tree's root; without a "/" before its end it matches a name at any depth) as
    /// restic's: anchored patterns get the tree's mount point in front, the others match at any depth in restic too.
    /// </summary>
    internal static string ExcludeOf(string root, string pattern)
    {
        var trimmed = pattern.TrimEnd('/');
        if (!trimmed.Contains('/', StringComparison.Ordinal))
        {
            return trimmed;
        }

        var relative = trimmed.StartsWith("./", StringComparison.Ordinal) ? trimmed[2..] : trimmed.TrimStart('/');
        return root.TrimEnd('/') + "/" + relative;
    }

    private static async Task DrainAsync(HelperContainer helper, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (await helper.Output.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }
}
