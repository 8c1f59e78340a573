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
        var stores = job.StorageNames.Select(name => _stores[name]).ToList();
        log.Information("Run of job {Job} started ({Trigger}), {Count} source(s) into {Stores}", job.Name, trigger, job.Sources.Count, string.Join(", ", stores.Select(s => s.Location)));

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
            var artifacts = new List<ManifestArtifact>();
            string? runError = null;
            try
            {
                foreach (var options in job.Sources)
                {
                    await RunSourceAsync(SourceFactory.Create(context, options), compressor, writers, artifacts, progress, log, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                runError = "The run was cancelled before it finished.";
                await CompleteAsync(job, trigger, runId, started, artifacts, runError, writers, log);
                throw;
            }

            return await CompleteAsync(job, trigger, runId, started, artifacts, runError, writers, log);
        }
        finally
        {
            foreach (var writer in writers)
            {
                await writer.DisposeAsync();
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
            return Describe(descriptor, compressor.Kind, started, _time.GetElapsedTime(clock)) with { Error = error };
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
        string? runError,
        List<IBackupSetWriter> writers,
        ILogger log)
    {
        var failed = artifacts.Count(a => a.Status != ManifestStatus.Succeeded);
        runError ??= failed == 0 ? null : $"{failed} of {artifacts.Count} artifact(s) failed.";
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
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        foreach (var writer in writers)
        {
            await writer.CompleteAsync(manifest, bound.Token);
        }

        log.Information(
            "Run of job {Job} {Status}: {Count} artifact(s), {Stored} stored{Error}",
            job.Name,
            manifest.Status == ManifestStatus.Succeeded ? "succeeded" : "FAILED",
            artifacts.Count,
            Bytes.Format(artifacts.Sum(a => a.StoredBytes)),
            runError is null ? string.Empty : ": " + runError);
        return new RunResult
        {
            Job = job.Name,
            RunId = runId,
            Status = manifest.Status,
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
