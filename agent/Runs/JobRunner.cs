using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Pipeline;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Policy;
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
    private static readonly TimeSpan DiagnosisBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AfterHooksBoundWhenCancelled = TimeSpan.FromSeconds(60);
    private readonly DockerClient _docker;
    private readonly BackupPolicy _policy;
    private readonly IReadOnlyDictionary<string, IBackupStore> _stores;
    private readonly AgentInstance _instance;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ArtifactPipeline _pipeline;
    private readonly ContainerResolver _containers;

    public JobRunner(
        DockerClient docker,
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
        _pipeline = new ArtifactPipeline(time);
    }

    public async Task<RunResult> RunAsync(
        JobOptions job, ManifestTrigger trigger, IProgress<ManifestArtifact>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var runId = RunId.New();
        var started = _time.GetUtcNow();
        var log = _log.ForContext("Job", job.Name).ForContext("RunId", runId.ToString());
        log.Information("Run of job {Job} started ({Trigger}), {Count} source(s)", job.Name, trigger, job.Sources.Count);

        // Before any hook runs or container stops: a run that cannot write its set must not touch anything.
        if (await StoragePreflight.CheckAsync(job, _stores, cancellationToken) is { } storageError)
        {
            log.Error("Run of job {Job} FAILED before it started: {Error}", job.Name, storageError);
            return RunResult.NotStarted(job.Name, runId, started, _time.GetUtcNow(), storageError);
        }

        RunResult? result = null;
        try
        {
            try
            {
                await HookRunner.RunAsync("before", job.Hooks.Before, _docker, _containers, log, cancellationToken);
            }
            catch (HookFailedException ex)
            {
                // Nothing has been touched yet: no set is written for a run that never started.
                log.Error("Run of job {Job} FAILED before it started: {Error}", job.Name, ex.Message);
                return result = RunResult.NotStarted(job.Name, runId, started, _time.GetUtcNow(), ex.Message);
            }

            result = await BackUpAsync(job, trigger, runId, started, progress, log, cancellationToken);
            if (result.Succeeded && job.Retention is not null)
            {
                foreach (var name in job.StorageNames)
                {
                    await RetentionPruner.PruneAsync(_stores[name], job.Name, job.Retention, _policy.TimeZone, _time.GetUtcNow(), dryRun: false, log, cancellationToken);
                }
            }

            return result;
        }
        finally
        {
            var hookError = await RunAfterHooksAsync(job, log, cancellationToken);
            if (hookError is not null && result is not null)
            {
                // The set stays as its manifest says; the run as a whole reports the failure.
                result = result with { Status = ManifestStatus.Failed, Error = result.Error is null ? hookError : $"{result.Error} {hookError}" };
            }
        }
    }

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
            log.Error("{Error}", ex.Message);
            return ex.Message;
        }
    }

    private async Task<RunResult> BackUpAsync(
        JobOptions job, ManifestTrigger trigger, RunId runId, DateTimeOffset started, IProgress<ManifestArtifact>? progress, ILogger log, CancellationToken cancellationToken)
    {
        var stores = job.StorageNames.Select(name => _stores[name]).ToList();
        var writers = new List<IBackupSetWriter>();
        try
        {
            foreach (var store in stores)
            {
                var swept = await store.SweepPartialsAsync(job.Name, cancellationToken);
                if (swept > 0)
                {
                    log.Information("Removed {Count} partial file(s) an interrupted run left in {Store}", swept, store.Location);
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
            };
            var compressor = Compressors.Create(job.Compression, job.Compression == CompressionKind.None ? null : job.CompressionLevel);
            var sources = job.Sources.Select(options => SourceFactory.Create(context, options)).ToList();

            // Files are read first, while stop_containers are down; databases are dumped live, after they are up.
            var files = sources.Where(s => s.Kind is ManifestSourceKind.Volume or ManifestSourceKind.Path or ManifestSourceKind.Sqlite).ToList();
            var databases = sources.Except(files).ToList();
            var artifacts = new List<ManifestArtifact>();
            var runErrors = new List<string>();
            try
            {
                await BackUpFilesAsync(job, runId, files, compressor, writers, artifacts, runErrors, progress, log, cancellationToken);
                foreach (var source in databases)
                {
                    await RunSourceAsync(source, compressor, writers, artifacts, progress, log, cancellationToken);
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
        List<IBackupSource> files,
        ICompressor compressor,
        List<IBackupSetWriter> writers,
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
                    _docker, _containers, job.StopContainers, _policy.StateDir, _instance.Id, job.Name, runId.ToString(), log, cancellationToken);
            }
            catch (Exception ex) when (ex is ArtifactFailedException or DockerApiException or DockerUnavailableException or ContainerRestartException)
            {
                // Reading files under a running application would give an inconsistent copy: do not pretend.
                var error = $"stop_containers: {ex.Message}";
                log.Error("{Error}", error);
                runErrors.Add(error);
                foreach (var source in files)
                {
                    var failed = FailedBeforeStart(source, _time.GetUtcNow(), $"Not read: the containers to stop first could not be stopped ({ex.Message})");
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
                await RunSourceAsync(source, compressor, writers, artifacts, progress, log, cancellationToken);
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
                    log.Error("{Error}", ex.Message);
                    runErrors.Add(ex.Message);
                }
            }
        }
    }

    private async Task RunSourceAsync(
        IBackupSource source,
        ICompressor compressor,
        IReadOnlyList<IBackupSetWriter> writers,
        List<ManifestArtifact> artifacts,
        IProgress<ManifestArtifact>? progress,
        ILogger log,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<IArtifactProducer> producers;
        var planned = _time.GetUtcNow();
        try
        {
            producers = await source.PlanAsync(cancellationToken);
        }
        catch (Exception ex) when (IsSourceFailure(ex, cancellationToken))
        {
            var failed = FailedBeforeStart(source, planned, Describe(ex));
            log.Error("Source {Source} failed: {Error}", source.DisplayName, failed.Error);
            artifacts.Add(failed);
            progress?.Report(failed);
            return;
        }

        for (var i = 0; i < producers.Count; i++)
        {
            await using var producer = producers[i];
            var artifact = await RunArtifactAsync(producer, compressor, writers, log, cancellationToken);
            artifacts.Add(artifact);
            progress?.Report(artifact);
        }
    }

    private async Task<ManifestArtifact> RunArtifactAsync(
        IArtifactProducer producer, ICompressor compressor, IReadOnlyList<IBackupSetWriter> writers, ILogger log, CancellationToken cancellationToken)
    {
        var descriptor = producer.Descriptor;
        var fileName = descriptor.BaseFileName + compressor.FileExtension;
        var started = _time.GetUtcNow();
        var clock = _time.GetTimestamp();
        var outputs = new List<IArtifactWriter>();
        try
        {
            foreach (var writer in writers)
            {
                outputs.Add(await writer.CreateArtifactAsync(fileName, cancellationToken));
            }

            PipelineResult result;
            try
            {
                var raw = await producer.OpenAsync(cancellationToken);
                await using var destination = new FanOutStream(outputs.Select(o => o.Stream).ToList());
                result = await _pipeline.RunAsync(raw, destination, compressor, observer: null, cancellationToken);
            }
            catch (Exception ex) when (IsSourceFailure(ex, cancellationToken) && ex is not StorageException and not ArtifactFailedException)
            {
                // The stream broke; the producer usually knows why (the container stopped, the tool failed).
                throw await DiagnoseAsync(producer, ex);
            }

            await producer.CompleteAsync(cancellationToken);
            foreach (var output in outputs)
            {
                await output.CommitAsync(result.Sha256Hex, cancellationToken);
            }

            var facts = producer.Facts;
            var artifact = Describe(descriptor, compressor.Kind, started, _time.GetElapsedTime(clock)) with
            {
                File = fileName,
                RawBytes = result.RawBytes,
                StoredBytes = result.StoredBytes,
                Sha256 = result.Sha256Hex,
                Status = ManifestStatus.Succeeded,
                Entries = facts.Entries,
                TreeDigest = facts.TreeDigest,
                ToolVersion = facts.ToolVersion ?? descriptor.ToolVersion,
            };
            log.Information(
                "{File}: {Raw} → {Stored} in {Seconds:0.0} s ({Rate:0} MB/s)",
                fileName,
                Bytes.Format(result.RawBytes),
                Bytes.Format(result.StoredBytes),
                result.Duration.TotalSeconds,
                result.RawBytes / 1e6 / Math.Max(result.Duration.TotalSeconds, 0.001));
            return artifact;
        }
        catch (Exception ex) when (IsSourceFailure(ex, cancellationToken))
        {
            foreach (var output in outputs)
            {
                await output.AbortAsync();
            }

            var error = Describe(ex);
            log.Error("{File} failed: {Error}", fileName, error);
            return Describe(descriptor, compressor.Kind, started, _time.GetElapsedTime(clock)) with { Error = error, ToolVersion = producer.Facts.ToolVersion ?? descriptor.ToolVersion };
        }
        catch
        {
            foreach (var output in outputs)
            {
                await output.AbortAsync();
            }

            throw;
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
                log.Error("{Error}", error);
                runError = runError is null ? error : $"{runError} {error}";
            }
        }

        var status = runError is null ? ManifestStatus.Succeeded : ManifestStatus.Failed;
        log.Information(
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

    private static async Task<Exception> DiagnoseAsync(IArtifactProducer producer, Exception streamError)
    {
        using var bound = new CancellationTokenSource(DiagnosisBound);
        try
        {
            await producer.CompleteAsync(bound.Token);
        }
        catch (ArtifactFailedException diagnosis)
        {
            return new ArtifactFailedException($"{diagnosis.Message} ({streamError.Message})", streamError);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or DockerApiException or DockerUnavailableException or TimeoutException)
        {
            // No better account than the stream's own error.
        }

        return streamError;
    }

    /// <summary>Failures that end one artifact or source; anything else (a bug, or the run's cancellation) ends the run.</summary>
    private static bool IsSourceFailure(Exception ex, CancellationToken runToken) => ex switch
    {
        OperationCanceledException => !runToken.IsCancellationRequested,
        ArtifactFailedException or DockerApiException or DockerUnavailableException or StorageException or TarFormatException => true,
        IOException or TimeoutException or InvalidDataException or CompressionUnavailableException => true,
        _ => false,
    };

    private static string Describe(Exception ex) => ex switch
    {
        TarFormatException tar => $"The archive stream is not a whole tar archive: {tar.Message}",
        _ => ex.Message,
    };

    private static ManifestArtifact Describe(ArtifactDescriptor descriptor, CompressionKind compression, DateTimeOffset started, TimeSpan duration) => new()
    {
        File = null,
        SourceKind = descriptor.Kind,
        SourceName = descriptor.SourceName,
        Database = descriptor.Database,
        Container = descriptor.Container,
        Image = descriptor.Image,
        ToolVersion = descriptor.ToolVersion,
        Format = descriptor.Format,
        Compression = ManifestCompressions.From(compression),
        RawBytes = 0,
        StoredBytes = 0,
        Sha256 = null,
        Status = ManifestStatus.Failed,
        StartedAt = started,
        DurationMs = (long)duration.TotalMilliseconds,
    };

    private static ManifestArtifact FailedBeforeStart(IBackupSource source, DateTimeOffset started, string error) => new()
    {
        File = null,
        SourceKind = source.Kind,
        SourceName = source.DisplayName,
        Format = source.Kind switch
        {
            ManifestSourceKind.Postgres => ManifestArtifactFormat.PgCustom,
            ManifestSourceKind.Mysql => ManifestArtifactFormat.Sql,
            ManifestSourceKind.Sqlite => ManifestArtifactFormat.Sqlite,
            _ => ManifestArtifactFormat.Tar,
        },
        Compression = ManifestCompression.None,
        RawBytes = 0,
        StoredBytes = 0,
        Sha256 = null,
        Status = ManifestStatus.Failed,
        StartedAt = started,
        DurationMs = 0,
        Error = error,
    };
}
