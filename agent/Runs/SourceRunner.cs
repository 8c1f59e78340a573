using Serilog;
using VolumeAgent.Crypto;
using VolumeAgent.Docker;
using VolumeAgent.Manifest;
using VolumeAgent.Pipeline;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Swarm;

namespace VolumeAgent.Runs;

/// <summary>
/// One source of a run: planned, then each of its artifacts streamed through compression and SHA-256 into every
/// storage of the job, within the source's limits (its <c>timeout</c>, and a stall watchdog per step). A failing
/// artifact is recorded with the reason and the next one goes on; only the run's own cancellation (or a bug) ends
/// more than the artifact.
/// </summary>
internal sealed class SourceRunner
{
    private static readonly TimeSpan DiagnosisBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AbortBound = TimeSpan.FromSeconds(30);
    private readonly TimeProvider _time;
    private readonly ArtifactPipeline _pipeline;

    public SourceRunner(TimeProvider time)
    {
        _time = time;
        _pipeline = new ArtifactPipeline(time);
    }

    public async Task RunAsync(
        PlannedSource planned,
        ICompressor compressor,
        ArtifactTargets targets,
        List<ManifestArtifact> artifacts,
        IProgress<ManifestArtifact>? progress,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var source = planned.Source;
        using var limits = new SourceLimits(planned.Options, _time, targets.Activity, cancellationToken);

        // Storages that store a file tree themselves (restic) get the volume that way; the tar goes to the others only.
        if (await Trees.FileTreeRunner.RunFirstAsync(source, targets, limits, _time, artifacts, progress, log, cancellationToken) is not { } rest)
        {
            return;
        }

        targets = rest;

        IReadOnlyList<IArtifactProducer> producers;
        var plannedAt = _time.GetUtcNow();
        using (var watchdog = limits.Watch($"{source.DisplayName}: finding what to back up"))
        {
            try
            {
                producers = await source.PlanAsync(watchdog.Token);
            }
            catch (NotOnThisNodeException ex)
            {
                log.ForEvent(LogEvents.SwarmSourceSkipped).Information("Source {Source} skipped on this node: {Reason}", source.DisplayName, ex.Message);
                return;
            }
            catch (Exception ex) when (IsSourceFailure(ex, cancellationToken) || IsEndedByLimits(watchdog, limits, cancellationToken))
            {
                var error = limits.Explain(watchdog, source.DisplayName, $"{source.DisplayName} (finding its container and what to back up)", diagnosis: null)
                    ?? Describe(ex);
                var failed = FailedBeforeStart(source, plannedAt, error) with { Engine = planned.Options.Engine };
                log.ForEvent(LogEvents.SourceFailed).Error("Source {Source} failed: {Error}", source.DisplayName, failed.Error);
                artifacts.Add(failed);
                progress?.Report(failed);
                return;
            }
        }

        for (var i = 0; i < producers.Count; i++)
        {
            await using var producer = producers[i];
            var artifact = limits.TimedOut
                ? Describe(producer.Descriptor, compressor.Kind, _time.GetUtcNow(), TimeSpan.Zero) with { Error = limits.NotStarted(source.DisplayName) }
                : await RunArtifactAsync(producer, source.DisplayName, limits, compressor, targets, log, cancellationToken);
            artifact = artifact with { Engine = planned.Options.Engine };
            artifacts.Add(artifact);
            progress?.Report(artifact);
        }
    }

    private async Task<ManifestArtifact> RunArtifactAsync(
        IArtifactProducer producer,
        string sourceName,
        SourceLimits limits,
        ICompressor compressor,
        ArtifactTargets targets,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var descriptor = producer.Descriptor;
        var encryption = targets.Encryption;
        var fileName = descriptor.BaseFileName + compressor.FileExtension + (encryption is null ? string.Empty : ArtifactEncryption.FileExtension);
        var started = _time.GetUtcNow();
        var clock = _time.GetTimestamp();
        var outputs = new List<(StorageTarget Target, IArtifactWriter Writer)>();
        using var watchdog = limits.Watch(producer.Subject);
        var token = watchdog.Token;
        try
        {
            foreach (var target in targets.Live)
            {
                await OnTargetAsync(targets, target, watchdog, log, async ct => outputs.Add((target, await target.Writer!.CreateArtifactAsync(fileName, ct))), cancellationToken);
            }

            ThrowIfNoneLeft(targets, outputs);
            PipelineResult result;
            try
            {
                var raw = await producer.OpenAsync(token);
                await using var destination = new FanOutStream(
                    [.. outputs.Select(o => (o.Target, watchdog.WatchWrite(o.Writer.Stream, o.Target.Label)))], targets, log);
                result = await _pipeline.RunAsync(watchdog.WatchRead(raw), destination, compressor, encryption, observer: null, token);
            }
            catch (Exception ex) when (IsSourceFailure(ex, cancellationToken) && ex is not StorageException and not ArtifactFailedException
                && !IsEndedByLimits(watchdog, limits, cancellationToken))
            {
                // The stream broke; the producer usually knows why (the container stopped, the tool failed).
                throw await DiagnoseAsync(producer, ex);
            }

            await producer.CompleteAsync(token);
            foreach (var (target, output) in outputs.Where(o => o.Target.Failure is null))
            {
                await OnTargetAsync(targets, target, watchdog, log, ct => output.CommitAsync(result.Sha256Hex, ct), cancellationToken);
            }

            ThrowIfNoneLeft(targets, outputs);
            await AbortAsync([.. outputs.Where(o => o.Target.Failure is not null)], log);

            var facts = producer.Facts;
            var artifact = Describe(descriptor, compressor.Kind, started, _time.GetElapsedTime(clock)) with
            {
                File = fileName,
                RawBytes = result.RawBytes,
                StoredBytes = result.StoredBytes,
                Sha256 = result.Sha256Hex,
                Encryption = encryption is null ? null : ManifestEncryption.Age,
                PlaintextSha256 = result.PlaintextSha256Hex,
                Status = ManifestStatus.Succeeded,
                Entries = facts.Entries,
                TreeDigest = facts.TreeDigest,
                ToolVersion = facts.ToolVersion ?? descriptor.ToolVersion,
            };
            log.ForEvent(LogEvents.ArtifactStored).Information(
                "{File}: {Raw} → {Stored} in {Seconds:0.0} s ({Rate:0} MB/s)",
                fileName,
                Bytes.Format(result.RawBytes),
                Bytes.Format(result.StoredBytes),
                result.Duration.TotalSeconds,
                result.RawBytes / 1e6 / Math.Max(result.Duration.TotalSeconds, 0.001));
            return artifact;
        }
        catch (Exception ex) when (IsSourceFailure(ex, cancellationToken) || IsEndedByLimits(watchdog, limits, cancellationToken))
        {
            // A storage that hangs ends this artifact at the stall timeout and is given up for the rest of the run (one
            // storage or several): nothing of the run waits on it again, not even the removal of this partial file.
            var stalled = watchdog.Fired && watchdog.Side == StallSide.Storage ? targets.Storages.FirstOrDefault(t => t.Label == watchdog.Storage) : null;
            stalled?.MarkStalled();
            await AbortAsync(outputs, log);
            var ended = watchdog.Fired || limits.TimedOut;
            var error = ended
                ? limits.Explain(watchdog, sourceName, producer.Subject, await SourceLimits.DiagnoseAsync(producer), fileName)!
                : Describe(ex);

            // The rest of the run goes to the other storages; with none left, each later artifact fails at once naming this one.
            stalled?.Fail(error, log);

            log.ForEvent(LogEvents.ArtifactFailed).Error("{File} failed: {Error}", fileName, error);
            return Describe(descriptor, compressor.Kind, started, _time.GetElapsedTime(clock)) with { Error = error, ToolVersion = producer.Facts.ToolVersion ?? descriptor.ToolVersion };
        }
        catch
        {
            await AbortAsync(outputs, log);
            throw;
        }
    }

    /// <summary>
    /// A storage operation of one artifact (create, commit). With several storages, one that fails is given up and
    /// the artifact goes on to the others; with one, its failure is the artifact's.
    /// </summary>
    private static async Task OnTargetAsync(
        ArtifactTargets targets, StorageTarget target, StallWatchdog watchdog, ILogger log, Func<CancellationToken, Task> operation, CancellationToken runToken)
    {
        try
        {
            await watchdog.WatchStorageAsync(target.Label, operation);
        }
        catch (Exception ex) when (targets.Storages.Count > 1 && !watchdog.Fired && !runToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            target.Fail(ex.Message, log);
        }
    }

    private static void ThrowIfNoneLeft(ArtifactTargets targets, List<(StorageTarget Target, IArtifactWriter Writer)> outputs)
    {
        if (outputs.All(o => o.Target.Failure is not null))
        {
            throw new StorageException(targets.NoneLeft());
        }
    }

    /// <summary>Removes the partial files, each as its storage allows (<see cref="StorageTarget.AbortAsync"/>).</summary>
    private async Task AbortAsync(List<(StorageTarget Target, IArtifactWriter Writer)> outputs, ILogger log)
    {
        foreach (var (target, output) in outputs)
        {
            await target.AbortAsync(output, AbortBound, _time, log);
        }
    }

    /// <summary>True when the source's stall watchdog or its timeout ended the step (and not the run's own cancellation).</summary>
    private static bool IsEndedByLimits(StallWatchdog watchdog, SourceLimits limits, CancellationToken runToken) =>
        !runToken.IsCancellationRequested && (watchdog.Fired || limits.TimedOut);

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

    /// <summary>The artifact of a source that failed before it produced anything (planning, or its containers not stopped).</summary>
    internal static ManifestArtifact FailedBeforeStart(IBackupSource source, DateTimeOffset started, string error) => new()
    {
        File = null,
        SourceKind = source.Kind,
        SourceName = source.DisplayName,
        Format = source.Format,
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
