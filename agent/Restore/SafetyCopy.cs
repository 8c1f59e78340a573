using VolumeAgent.Manifest;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Runs;

namespace VolumeAgent.Restore;

/// <summary>
/// Before a restore replaces data, a backup of what is there: the targets as sources of a one-off run of the set's
/// job, into the job's first storage, marked <c>pre-restore</c> in its manifest. Such a set is never <c>latest</c>
/// and the job's retention does not count it (it is kept 30 days, and the newest three: RetentionPruner), so the
/// restore can be undone with the set it names.
/// </summary>
internal static class SafetyCopy
{
    /// <summary>The run that copies <paramref name="sources"/>: the job's compression, encryption and stopped containers, no hooks, no retention.</summary>
    public static JobOptions JobFor(BackupPolicy policy, StoredSet set, IReadOnlyList<SourceOptions> sources)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(sources);
        var job = policy.FindJob(set.Set.Job);
        return new JobOptions
        {
            Name = set.Set.Job,
            StorageNames = [job?.StorageNames[0] ?? set.StorageName],
            Compression = job?.Compression ?? Pipeline.CompressionKind.Gzip,
            CompressionLevel = job?.CompressionLevel ?? PolicyDefaults.GzipLevel,
            Encryption = job?.Encryption,
            StopContainers = job?.StopContainers ?? [],
            StallTimeout = job?.StallTimeout ?? policy.StallTimeout,
            Sources = sources,
        };
    }

    /// <summary>Runs the copy; returns its result (a failed one means the restore must not start).</summary>
    public static Task<RunResult> RunAsync(JobRunner runner, JobOptions job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        return runner.RunAsync(job, ManifestTrigger.PreRestore, progress: null, cancellationToken);
    }
}
