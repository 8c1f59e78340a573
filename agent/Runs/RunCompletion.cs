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
        DateTimeOffset started,
        List<ManifestArtifact> artifacts,
        List<string> runErrors,
        List<IBackupSetWriter> writers,
        TimeProvider time,
        ILogger log)
    {
        var failed = artifacts.Count(a => a.Status != ManifestStatus.Succeeded);
        List<string> errors = failed == 0 ? runErrors : [.. runErrors, $"{failed} of {artifacts.Count} artifact(s) failed."];
        var runError = errors.Count == 0 ? null : string.Join(" ", errors);
        var manifest = new BackupManifest
        {
            FormatVersion = BackupManifest.CurrentFormatVersion,
            Job = job.Name,
            RunId = runId,
            Trigger = trigger,
            Status = runError is null ? ManifestStatus.Succeeded : ManifestStatus.Failed,
            StartedAt = started,
            FinishedAt = time.GetUtcNow(),
            AgentVersion = AgentInfo.Version,
            Host = Environment.MachineName,
            Error = runError,
            Artifacts = artifacts,
        };

        // Written even when the run was cancelled: the manifest is how a failed set is recognised and pruned.
        // A storage that cannot take it (a full disk) loses this run's set there, and the run fails; the other
        // storages keep their complete sets. Writers are in the order of the job's storage names.
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        for (var i = 0; i < writers.Count; i++)
        {
            try
            {
                await writers[i].CompleteAsync(manifest, bound.Token);
            }
            catch (StorageException ex)
            {
                var error = StoragePreflight.Describe(job.StorageNames[i], ex);
                log.ForEvent(LogEvents.SetNotCompleted).Error("{Error}", error);
                runError = runError is null ? error : $"{runError} {error}";
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
            Status = status,
            StartedAt = manifest.StartedAt,
            FinishedAt = manifest.FinishedAt,
            SetName = writers.Count > 0 ? writers[0].DirectoryName : string.Empty,
            Artifacts = artifacts,
            Error = runError,
        };
    }
}
