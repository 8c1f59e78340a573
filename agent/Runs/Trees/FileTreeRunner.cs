using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Manifest;
using VolumeAgent.Sources;
using VolumeAgent.Sources.Shared.Archives;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs.Trees;

/// <summary>
/// A file-tree source (volume, path) into the storages that store trees themselves (<see cref="IFileTreeStore"/>,
/// restic): each gets the tree's mount and backs it up in its own helper, one <c>file_tree</c> artifact per storage,
/// whose <c>snapshot</c> says what it made. The tar of the same source goes only to the other storages of the job
/// (<see cref="SourceRunner"/>), so a job writing to both reads the tree twice: once as the tar stream, once by restic.
/// </summary>
internal static class FileTreeRunner
{
    /// <summary>The storages of <paramref name="targets"/> that take <paramref name="source"/> as a tree; empty when it is no tree or none can.</summary>
    public static IReadOnlyList<StorageTarget> TreeTargetsOf(IBackupSource source, ArtifactTargets targets) =>
        source is IFileTreeSource && targets.Encryption is null ? [.. targets.Live.Where(t => FileTrees.Of(t.Writer) is not null)] : [];

    /// <summary>
    /// Gives the storages of <paramref name="targets"/> that store trees themselves the source as a tree, first;
    /// returns the targets left for its tar, or null when none is left.
    /// </summary>
    public static async Task<ArtifactTargets?> RunFirstAsync(
        IBackupSource source,
        ArtifactTargets targets,
        SourceLimits limits,
        TimeProvider time,
        List<ManifestArtifact> artifacts,
        IProgress<ManifestArtifact>? progress,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var trees = TreeTargetsOf(source, targets);
        if (trees.Count == 0)
        {
            return targets;
        }

        if (!await RunAsync(source, trees, limits, time, artifacts, progress, log, cancellationToken))
        {
            return null;
        }

        return trees.Count == targets.Live.Count ? null : targets.Without(trees);
    }

    /// <summary>Backs the tree up into each of <paramref name="storages"/>; false when the source is another node's (skipped, nothing recorded).</summary>
    public static async Task<bool> RunAsync(
        IBackupSource source,
        IReadOnlyList<StorageTarget> storages,
        SourceLimits limits,
        TimeProvider time,
        List<ManifestArtifact> artifacts,
        IProgress<ManifestArtifact>? progress,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var tree = (IFileTreeSource)source;
        foreach (var target in storages)
        {
            var store = FileTrees.Of(target.Writer)!;
            var started = time.GetUtcNow();
            var clock = time.GetTimestamp();
            var subject = $"{source.DisplayName} (backed up file by file into {target.Label})";
            var artifact = new ManifestArtifact
            {
                File = null,
                SourceKind = source.Kind,
                SourceName = tree.Target,
                Format = ArchiveKind.FileTree,
                Compression = ManifestCompression.None,
                RawBytes = 0,
                StoredBytes = 0,
                Sha256 = null,
                Status = ManifestStatus.Failed,
                StartedAt = started,
                DurationMs = 0,
            };
            using (var watchdog = limits.Watch(subject))
            {
                try
                {
                    var fileTree = await tree.PlanTreeAsync(watchdog.Token);
                    var set = new SetAddress(target.Writer!.Job, target.Writer.DirectoryName);
                    var (snapshot, total) = await store.BackUpTreeAsync(set, fileTree, watchdog.Progress, watchdog.Token);
                    artifact = artifact with
                    {
                        Status = ManifestStatus.Succeeded,
                        Snapshot = snapshot,
                        RawBytes = total,
                        StoredBytes = snapshot.DataAdded,
                        Entries = snapshot.FilesNew + snapshot.FilesChanged + snapshot.FilesUnmodified,
                        DurationMs = (long)time.GetElapsedTime(clock).TotalMilliseconds,
                    };
                    log.ForEvent(LogEvents.FileTreeStored).Information(
                        "{Source} → {Storage}: snapshot {Snapshot}, {New} new, {Changed} changed, {Unmodified} unmodified file(s), {Added} added, in {Seconds:0.0} s",
                        source.DisplayName,
                        target.Label,
                        snapshot.Id.Length > 8 ? snapshot.Id[..8] : snapshot.Id,
                        snapshot.FilesNew,
                        snapshot.FilesChanged,
                        snapshot.FilesUnmodified,
                        Bytes.Format(snapshot.DataAdded),
                        time.GetElapsedTime(clock).TotalSeconds);
                }
                catch (Swarm.NotOnThisNodeException ex)
                {
                    log.ForEvent(LogEvents.SwarmSourceSkipped).Information("Source {Source} skipped on this node: {Reason}", source.DisplayName, ex.Message);
                    return false;
                }
                catch (Exception ex) when (IsFailure(ex, cancellationToken) || (!cancellationToken.IsCancellationRequested && (watchdog.Fired || limits.TimedOut)))
                {
                    var error = limits.Explain(watchdog, source.DisplayName, subject, diagnosis: null) ?? ex.Message;
                    artifact = artifact with { Error = error, DurationMs = (long)time.GetElapsedTime(clock).TotalMilliseconds };
                    log.ForEvent(LogEvents.FileTreeFailed).Error("{Source} → {Storage} failed: {Error}", source.DisplayName, target.Label, error);
                }
            }

            artifacts.Add(artifact);
            progress?.Report(artifact);
        }

        return true;
    }

    private static bool IsFailure(Exception ex, CancellationToken runToken) => ex switch
    {
        OperationCanceledException => !runToken.IsCancellationRequested,
        StorageException or ArtifactFailedException or DockerApiException or DockerUnavailableException or IOException or TimeoutException or FormatException => true,
        _ => false,
    };
}
