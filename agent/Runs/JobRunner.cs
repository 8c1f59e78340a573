using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Manifest;
using VolumeAgent.Pipeline;
using VolumeAgent.Policy;
using VolumeAgent.Retention;
using VolumeAgent.Policy.Hooks;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>
/// One run of one job, end to end: every source planned and streamed through compression and SHA-256 into
/// each of the job's storages, a manifest written last. A failing source fails its artifacts and the run,
/// never the other sources; a cancelled run still leaves a manifest that says so.
/// </summary>
internal sealed class JobRunner
{
    private static readonly TimeSpan AfterHooksBoundWhenCancelled = TimeSpan.FromSeconds(60);
    private readonly IDockerEngine _docker;
    private readonly BackupPolicy _policy;
    private readonly IReadOnlyDictionary<string, IBackupStore> _stores;
    private readonly AgentInstance _instance;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SourceRunner _sources;
    private readonly ContainerResolver _containers;

    public JobRunner(
        IDockerEngine docker,
        BackupPolicy policy,
        IReadOnlyDictionary<string, IBackupStore> stores,
        AgentInstance instance,
        ContainerResolver containers,
        TimeProvider time,
        ILogger log)
    {
        _docker = docker;
        _policy = policy;
        _stores = stores;
        _instance = instance;
        _containers = containers;
        _time = time;
        _log = log;
        _sources = new SourceRunner(time);
    }

    public Task<RunResult> RunAsync(
        JobOptions job, ManifestTrigger trigger, IProgress<ManifestArtifact>? progress, CancellationToken cancellationToken) =>
        RunAsync(job, trigger, progress, activity: null, cancellationToken);

    /// <param name="activity">Follows the run's progress (for health); null makes one of its own.</param>
    public async Task<RunResult> RunAsync(
        JobOptions job, ManifestTrigger trigger, IProgress<ManifestArtifact>? progress, RunActivity? activity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        activity ??= new RunActivity(job.StallTimeout, _time);
        var runId = RunId.New();
        var started = _time.GetUtcNow();
        var log = _log.ForContext("Job", job.Name).ForContext("RunId", runId.ToString());
        log.ForEvent(LogEvents.RunStarted).Information("Run of job {Job} started ({Trigger}), {Count} source(s)", job.Name, trigger, job.Sources.Count);

        // A long-lived daemon also starts again, before each run, what a killed `run-now --no-daemon` left stopped.
        await StopRecovery.RecoverAsync(_docker, _policy.StateDir, _time, log, cancellationToken);

        // Before any hook runs or container stops: a run that cannot write its set must not touch anything.
        if (await StoragePreflight.CheckAsync(job, _stores, cancellationToken) is { } storageError)
        {
            log.ForEvent(LogEvents.RunNotStarted).Error("Run of job {Job} FAILED before it started: {Error}", job.Name, storageError);
            return RunResult.NotStarted(job.Name, runId, started, _time.GetUtcNow(), storageError);
        }

        RunResult? result = null;
        try
        {
            try
            {
                activity.Begin("before-hooks", HooksBound(job.Hooks.Before));
                await HookRunner.RunAsync("before", job.Hooks.Before, _docker, _containers, log, cancellationToken);
            }
            catch (HookFailedException ex)
            {
                // Nothing has been touched yet: no set is written for a run that never started.
                log.ForEvent(LogEvents.RunNotStarted).Error("Run of job {Job} FAILED before it started: {Error}", job.Name, ex.Message);
                return result = RunResult.NotStarted(job.Name, runId, started, _time.GetUtcNow(), ex.Message);
            }

            result = await BackUpAsync(job, trigger, runId, started, progress, activity, log, cancellationToken);
            if (result.Succeeded && job.Retention is not null)
            {
                activity.Begin("applying retention");
                var retention = new Dictionary<string, IReadOnlyList<RetentionDecision>>(StringComparer.Ordinal);
                foreach (var name in job.StorageNames)
                {
                    retention[name] = await RetentionPruner.PruneAsync(_stores[name], job.Name, job.Retention, _policy.TimeZone, _time.GetUtcNow(), dryRun: false, log, cancellationToken);
                }

                result = result with { Retention = retention };
            }

            return result;
        }
        finally
        {
            activity.Begin("after-hooks", HooksBound(job.Hooks.After));
            var hookError = await RunAfterHooksAsync(job, log, cancellationToken);
            if (hookError is not null && result is not null)
            {
                // The set stays as its manifest says; the run as a whole reports the failure.
                result = result with { Status = ManifestStatus.Failed, Error = result.Error is null ? hookError : $"{result.Error} {hookError}" };
            }
        }
    }

    /// <summary>Hooks are silent by nature and bounded by their own timeouts: a run waiting for them is not stalled.</summary>
    private static TimeSpan HooksBound(IReadOnlyList<HookOptions> hooks) => hooks.Aggregate(TimeSpan.Zero, (sum, hook) => sum + hook.Timeout);

    private async Task<string?> RunAfterHooksAsync(JobOptions job, ILogger log, CancellationToken cancellationToken)
    {
        if (job.Hooks.After.Count == 0)
        {
            return null;
        }

        // After-hooks run even when the run failed or was cancelled (they often undo a before-hook); each keeps
        // its own timeout, and a cancelled run gives them a bounded time of their own.
        using var bound = new CancellationTokenSource(AfterHooksBoundWhenCancelled);
        try
        {
            await HookRunner.RunAsync("after", job.Hooks.After, _docker, _containers, log, cancellationToken.IsCancellationRequested ? bound.Token : cancellationToken);
            return null;
        }
        catch (HookFailedException ex)
        {
            log.ForEvent(LogEvents.AfterHookFailed).Error("{Error}", ex.Message);
            return ex.Message;
        }
    }

    private async Task<RunResult> BackUpAsync(
        JobOptions job,
        ManifestTrigger trigger,
        RunId runId,
        DateTimeOffset started,
        IProgress<ManifestArtifact>? progress,
        RunActivity activity,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var stores = job.StorageNames.Select(name => _stores[name]).ToList();
        var targets = new ArtifactTargets(writers: [], job.StorageNames.Select(name => $"storage '{name}' ({_stores[name].Location})").ToList(), activity);
        var writers = targets.Writers;
        try
        {
            foreach (var store in stores)
            {
                var swept = await store.SweepPartialsAsync(job.Name, cancellationToken);
                if (swept > 0)
                {
                    log.ForEvent(LogEvents.PartialFilesSwept).Information("Removed {Count} partial file(s) an interrupted run left in {Store}", swept, store.Location);
                }

                writers.Add(await store.BeginSetAsync(job.Name, started, runId, cancellationToken));
            }

            var context = new SourceContext
            {
                Docker = _docker,
                HelperImage = _policy.HelperImage,
                Job = job.Name,
                RunId = runId.ToString(),
                InstanceId = _instance.Id,
                Containers = _containers,
                Log = log,
            };
            var compressor = Compressors.Create(job.Compression, job.Compression == CompressionKind.None ? null : job.CompressionLevel);
            var sources = job.Sources.Select(options => new PlannedSource(options, SourceKinds.Of(options).CreateSource(context, options))).ToList();

            // Files are read first, while stop_containers are down; databases are dumped live, after they are up.
            var files = sources.Where(s => SourceKinds.Of(s.Options).Phase == SourcePhase.Files).ToList();
            var databases = sources.Except(files).ToList();
            var artifacts = new List<ManifestArtifact>();
            var runErrors = new List<string>();
            try
            {
                await BackUpFilesAsync(job, runId, files, compressor, targets, artifacts, runErrors, progress, log, cancellationToken);
                foreach (var source in databases)
                {
                    await _sources.RunAsync(source, compressor, targets, artifacts, progress, log, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                runErrors.Insert(0, "The run was cancelled before it finished.");
                await CompleteAsync(job, trigger, runId, started, artifacts, runErrors, writers, log);
                throw;
            }

            return await CompleteAsync(job, trigger, runId, started, artifacts, runErrors, writers, log);
        }
        finally
        {
            foreach (var writer in writers)
            {
                await writer.DisposeAsync();
            }
        }
    }

    private async Task BackUpFilesAsync(
        JobOptions job,
        RunId runId,
        List<PlannedSource> files,
        ICompressor compressor,
        ArtifactTargets targets,
        List<ManifestArtifact> artifacts,
        List<string> runErrors,
        IProgress<ManifestArtifact>? progress,
        ILogger log,
        CancellationToken cancellationToken)
    {
        ContainerStopper? stopper = null;
        if (job.StopContainers.Count > 0 && files.Count > 0)
        {
            try
            {
                stopper = await ContainerStopper.StopAsync(
                    _docker, _containers, job.StopContainers, _policy.StateDir, _instance.Id, job.Name, runId.ToString(), _time, log, cancellationToken);
            }
            catch (Exception ex) when (ex is ArtifactFailedException or DockerApiException or DockerUnavailableException or ContainerRestartException)
            {
                // Reading files under a running application would give an inconsistent copy: do not pretend.
                var error = $"stop_containers: {ex.Message}";
                log.ForEvent(LogEvents.StopContainersFailed).Error("{Error}", error);
                runErrors.Add(error);
                foreach (var (_, source) in files)
                {
                    var failed = SourceRunner.FailedBeforeStart(source, _time.GetUtcNow(), $"Not read: the containers to stop first could not be stopped ({ex.Message})");
                    artifacts.Add(failed);
                    progress?.Report(failed);
                }

                return;
            }
        }

        try
        {
            foreach (var source in files)
            {
                await _sources.RunAsync(source, compressor, targets, artifacts, progress, log, cancellationToken);
            }
        }
        finally
        {
            if (stopper is not null)
            {
                try
                {
                    await stopper.RestartAsync();
                }
                catch (ContainerRestartException ex)
                {
                    log.ForEvent(LogEvents.ContainerRestartFailed).Error("{Error}", ex.Message);
                    runErrors.Add(ex.Message);
                }
            }
        }
    }

    private async Task<RunResult> CompleteAsync(
        JobOptions job,
        ManifestTrigger trigger,
        RunId runId,
        DateTimeOffset started,
        List<ManifestArtifact> artifacts,
        List<string> runErrors,
        List<IBackupSetWriter> writers,
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
            FinishedAt = _time.GetUtcNow(),
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
