using Serilog;
using VolumeAgent.Manifest;
using VolumeAgent.Pipeline;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>
/// The end of a run: the manifest that says what the run made and how it ended, written to every storage's set
/// (SHA256SUMS, then manifest.json), and the run's result.
/// </summary>
internal static class RunCompletion
{
    public static async Task<RunResult> CompleteAsync(
        JobOptions job,
        ManifestTrigger trigger,
        RunId runId,
        string? tag,
        DateTimeOffset started,
        List<ManifestArtifact> artifacts,
        List<string> runErrors,
        ArtifactTargets targets,
        IReadOnlyDictionary<string, IBackupStore> stores,
        TimeProvider time,
        ILogger log)
    {
        var failed = artifacts.Count(a => a.Status != ManifestStatus.Succeeded);
        List<string> errors = failed == 0 ? runErrors : [.. runErrors, $"{failed} of {artifacts.Count} artifact(s) failed."];
        var setError = errors.Count == 0 ? null : string.Join(" ", errors);

        // A storage that failed fails the run, not the set: where the set is complete, it is as good as any.
        var holding = targets.Storages.Where(t => t.IsLive).Select(t => t.Name).ToList();
        var storageErrors = targets.Storages.Where(t => t.Failure is not null).Select(t => holding.Count == 0
            ? $"The {t.Label} failed: {t.Failure}"
            : $"The {t.Label} failed: {t.Failure} The set is on {string.Join(", ", holding)}; `volume-agent sync {job.Name} --to {t.Name}` copies it there.");
        var runError = string.Join(" ", new[] { setError }.Concat(storageErrors).OfType<string>()) is { Length: > 0 } all ? all : null;
        var manifest = new BackupManifest
        {
            FormatVersion = BackupManifest.CurrentFormatVersion,
            Job = job.Name,
            RunId = runId,
            Tag = tag,
            Trigger = trigger,
            Status = setError is null ? ManifestStatus.Succeeded : ManifestStatus.Failed,
            StartedAt = started,
            FinishedAt = time.GetUtcNow(),
            AgentVersion = AgentInfo.Version,
            Host = Environment.MachineName,
            Error = setError,
            Artifacts = artifacts,
            Storages = [.. targets.Storages.Select(t => new ManifestStorage
            {
                Name = t.Name,
                Status = t.IsLive ? ManifestStatus.Succeeded : ManifestStatus.Failed,
                Error = t.Failure,
            })],
        };

        // Written even when the run was cancelled: the manifest is how a failed set is recognised and pruned.
        // A storage that cannot take it (a full disk) loses this run's set there, and the run fails; the other
        // storages keep their complete sets. A storage given up during the run gets no manifest: its set is
        // incomplete there until `sync` copies it.
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        foreach (var target in targets.Storages.Where(t => t.IsLive))
        {
            try
            {
                await target.Writer!.CompleteAsync(manifest, bound.Token);
            }
            catch (StorageException ex)
            {
                var error = StoragePreflight.Describe(target.Name, ex);
                log.ForEvent(LogEvents.SetNotCompleted).Error("{Error}", error);
                runError = runError is null ? error : $"{runError} {error}";
                continue;
            }

            // The set just completed is the job's newest: latest points at it without listing the storage again.
            if (manifest.Status == ManifestStatus.Succeeded && manifest.Trigger != ManifestTrigger.PreRestore)
            {
                await LatestPointer.PointAsync(stores[target.Name], target.Label, job.Name, target.Writer.DirectoryName, log, bound.Token);
            }
        }

        var status = runError is null ? ManifestStatus.Succeeded : ManifestStatus.Failed;
        log.ForEvent(LogEvents.RunEnded).Information(
            "Run of job {Job} {Status}: {Count} artifact(s), {Stored} stored{Error}",
            job.Name,
            status == ManifestStatus.Succeeded ? "succeeded" : "FAILED",
            artifacts.Count,
            Bytes.Format(artifacts.Sum(a => a.StoredBytes)),
            runError is null ? string.Empty : ": " + runError);
        return new RunResult
        {
            Job = job.Name,
            RunId = runId,
            Tag = tag,
            Status = status,
            StartedAt = manifest.StartedAt,
            FinishedAt = manifest.FinishedAt,
            SetName = targets.Storages.Select(t => t.Writer?.DirectoryName).FirstOrDefault(n => n is not null) ?? string.Empty,
            Artifacts = artifacts,
            Error = runError,
        };
    }
}
