using Serilog;
using VolumeAgent.Crypto;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Manifest;
using VolumeAgent.Pipeline;
using VolumeAgent.Policy;
using VolumeAgent.Retention;
using VolumeAgent.Policy.Hooks;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Sync;
using VolumeAgent.Runs.Stops;
using VolumeAgent.Runs.Phases;

namespace VolumeAgent.Runs;

/// <summary>
/// One run of one job, end to end: every source planned and streamed through compression and SHA-256 into
/// each of the job's storages, a manifest written last. A failing source fails its artifacts and the run,
/// never the other sources; a cancelled run still leaves a manifest that says so. Each source runs on its engine
/// (<see cref="EngineRegistry"/>); an engine that does not answer fails its sources and stops only, not the others.
/// </summary>
internal sealed class JobRunner
{
    private readonly IDockerEngine _docker;
    private readonly EngineRegistry _engines;
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
        ILogger log,
        EngineRegistry? engines = null)
    {
        _docker = docker;
        _engines = engines ?? EngineRegistry.Of(docker);
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
        var runId = activity.RunId;
        var started = _time.GetUtcNow();
        var log = _log.ForContext("Job", job.Name).ForContext("RunId", runId.ToString());
        log.ForEvent(LogEvents.RunStarted).Information("Run of job {Job} started ({Trigger}), {Count} source(s)", job.Name, trigger, job.Sources.Count);

        // A long-lived daemon also starts again, before each run, what a killed `run-now --no-daemon` left stopped.
        await StopRecovery.RecoverAsync(_engines, _policy.StateDir, _time, log, cancellationToken);

        // Before any hook runs or container stops: a run that cannot write its set must not touch anything.
        // With several storages, the run goes on to those that can be written and reports the others failed.
        var unusable = await StoragePreflight.FindProblemsAsync(job, _stores, cancellationToken);
        if (unusable.Count == job.StorageNames.Count && unusable.Count > 0)
        {
            var storageError = string.Join(" ", unusable.Values);
            log.ForEvent(LogEvents.RunNotStarted).Error("Run of job {Job} FAILED before it started: {Error}", job.Name, storageError);
            return RunResult.NotStarted(job.Name, runId, started, _time.GetUtcNow(), storageError);
        }

        RunResult result;
        try
        {
            result = await RunBetweenHooksAsync(job, trigger, runId, started, unusable, progress, activity, log, cancellationToken);
        }
        catch
        {
            // Cancelled or broken: the after-hooks still run (they often undo a before-hook), and the exception goes on.
            activity.Begin("after-hooks", HookRunner.Bound(job.Hooks.After));
            await HookRunner.RunAfterAsync(job, HookEnvironment.AfterAborted(job, runId, cancellationToken.IsCancellationRequested), _docker, _containers, log, cancellationToken);
            throw;
        }

        activity.Begin("after-hooks", HookRunner.Bound(job.Hooks.After));
        var hookError = await HookRunner.RunAfterAsync(job, HookEnvironment.After(job, result), _docker, _containers, log, cancellationToken);

        // The set stays as its manifest says; the run as a whole reports the after-hook's failure.
        return hookError is null
            ? result
            : result with { Status = ManifestStatus.Failed, Error = result.Error is null ? hookError : $"{result.Error} {hookError}" };
    }

    private async Task<RunResult> RunBetweenHooksAsync(
        JobOptions job,
        ManifestTrigger trigger,
        RunId runId,
        DateTimeOffset started,
        IReadOnlyDictionary<string, string> unusable,
        IProgress<ManifestArtifact>? progress,
        RunActivity activity,
        ILogger log,
        CancellationToken cancellationToken)
    {
        try
        {
            activity.Begin("before-hooks", HookRunner.Bound(job.Hooks.Before));
            await HookRunner.RunAsync("before", job.Hooks.Before, HookEnvironment.Before(job, runId), _docker, _containers, log, cancellationToken);
        }
        catch (HookFailedException ex)
        {
            // Nothing has been touched yet: no set is written for a run that never started.
            log.ForEvent(LogEvents.RunNotStarted).Error("Run of job {Job} FAILED before it started: {Error}", job.Name, ex.Message);
            return RunResult.NotStarted(job.Name, runId, started, _time.GetUtcNow(), ex.Message);
        }

        var result = await BackUpAsync(job, trigger, runId, started, unusable, progress, activity, log, cancellationToken);
        if (result.Succeeded && job.Retention is not null)
        {
            activity.Begin("applying retention");
            result = result with { Retention = await RetentionPruner.PruneAllAsync(job, _stores, _policy.TimeZone, _time, log, cancellationToken) };
        }

        return job.SyncAfterRun && job.StorageNames.Count > 1 ? await CatchUpAsync(job, result, activity, log, cancellationToken) : result;
    }

    /// <summary><c>sync_after_run</c>: each storage of the job gets the sets it lacks; a copy that fails fails the run.</summary>
    private async Task<RunResult> CatchUpAsync(JobOptions job, RunResult result, RunActivity activity, ILogger log, CancellationToken cancellationToken)
    {
        activity.Begin("copying sets to storages that lack them");
        if (result.StalledStorages.Count > 0)
        {
            // A storage that stalled in this run is given up until the run ends: the copies go between the others only.
            log.ForEvent(LogEvents.StalledStorageNotSynced).Warning("Storage(s) {Storages} stalled in this run and get no copies from sync_after_run; the next run or `volume-agent sync` copies them", result.StalledStorages);
            job = job with { StorageNames = [.. job.StorageNames.Except(result.StalledStorages, StringComparer.Ordinal)] };
            if (job.StorageNames.Count < 2)
            {
                return result;
            }
        }

        var copies = await SetSync.SyncJobAsync(
            job, _stores, from: null, to: null, _time, log, storage => LatestPointer.RefreshAsync(_stores[storage], storage, job.Name, log, cancellationToken), cancellationToken);
        var failed = copies.Where(c => !c.Succeeded).Select(c => $"Copying set {c.Set} from storage '{c.From}' to '{c.To}' failed: {c.Error}").ToList();
        return failed.Count == 0
            ? result
            : result with { Status = ManifestStatus.Failed, Error = string.Join(" ", new[] { result.Error }.Concat(failed).OfType<string>()) };
    }

    private async Task<RunResult> BackUpAsync(
        JobOptions job,
        ManifestTrigger trigger,
        RunId runId,
        DateTimeOffset started,
        IReadOnlyDictionary<string, string> unusable,
        IProgress<ManifestArtifact>? progress,
        RunActivity activity,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var targets = new ArtifactTargets([.. job.StorageNames.Select(name => new StorageTarget(name, $"storage '{name}' ({_stores[name].Location})"))], activity)
        {
            Encryption = job.Encryption is { } encryption ? new ArtifactEncryption(encryption) : null,
        };
        try
        {
            foreach (var target in targets.Storages)
            {
                var store = _stores[target.Name];
                if (unusable.TryGetValue(target.Name, out var problem))
                {
                    target.Fail(problem, log);
                    continue;
                }

                try
                {
                    var swept = await store.SweepPartialsAsync(job.Name, cancellationToken);
                    if (swept > 0)
                    {
                        log.ForEvent(LogEvents.PartialFilesSwept).Information("Removed {Count} partial file(s) an interrupted run left in {Store}", swept, store.Location);
                    }

                    target.Writer = await store.BeginSetAsync(job.Name, started, runId, cancellationToken);
                }
                catch (Exception ex) when (targets.Storages.Count > 1 && !cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    // One storage down does not keep the set from the others.
                    target.Fail(ex.Message, log);
                }
            }

            var context = new SourceContext
            {
                Docker = _docker,
                Engines = _engines,
                HelperImage = _policy.HelperImage,
                Job = job.Name,
                RunId = runId.ToString(),
                InstanceId = _instance.Id,
                Containers = _containers,
                Log = log,
                LeftBehind = new Swarm.LeftBehindMarks(_policy.StateDir, job.Name),
            };
            var compressor = Compressors.Create(job.Compression, job.Compression == CompressionKind.None ? null : job.CompressionLevel);
            var sources = job.Sources.Select(options => new PlannedSource(options, SourceKinds.Of(options).CreateSource(context.On(options.Engine), options))).ToList();

            // Files are read first, while stop_containers are down; databases are dumped live, after they are up.
            var files = sources.Where(s => SourceKinds.Of(s.Options).Phase == SourcePhase.Files).ToList();
            var databases = sources.Except(files).ToList();
            var artifacts = new List<ManifestArtifact>();
            var runErrors = new List<string>();
            try
            {
                var phases = new SourcePhases(_engines, _sources, context, _policy.StateDir, _time);
                var down = await phases.UnreachableEnginesAsync(job, runErrors, log, cancellationToken);
                await phases.BackUpFilesAsync(job, runId, files, down, compressor, targets, artifacts, runErrors, progress, log, cancellationToken);
                foreach (var source in databases)
                {
                    await phases.RunSourceAsync(source, down, compressor, targets, artifacts, progress, log, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                runErrors.Insert(0, "The run was cancelled before it finished.");
                await RunCompletion.CompleteAsync(job, trigger, runId, activity.Tag, started, artifacts, runErrors, targets, _stores, _time, log);
                throw;
            }

            var completed = await RunCompletion.CompleteAsync(job, trigger, runId, activity.Tag, started, artifacts, runErrors, targets, _stores, _time, log);
            context.LeftBehind.Commit(artifacts);
            return completed with { StalledStorages = targets.StalledNames };
        }
        finally
        {
            foreach (var target in targets.Storages.Where(t => t.Writer is not null))
            {
                if (target.Stalled)
                {
                    // Nothing waits on a storage that stalled: its set's open artifacts are let go in the background.
                    _ = Task.Run(async () => await target.Writer!.DisposeAsync(), CancellationToken.None);
                    continue;
                }

                await target.Writer!.DisposeAsync();
            }
        }
    }
}
