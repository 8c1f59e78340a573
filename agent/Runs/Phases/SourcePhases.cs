using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Manifest;
using VolumeAgent.Pipeline;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Runs.Stops;
using VolumeAgent.Sources;

namespace VolumeAgent.Runs.Phases;

/// <summary>
/// The sources of one run, engine by engine: which engines do not answer (their sources fail, the others go on), the
/// files phase (each engine's stop_containers stopped there, the files read, the containers started again) and the
/// sources run one by one. Every engine is reached through <see cref="EngineRegistry"/> and the run's
/// <see cref="SourceContext"/> for it; nothing here is written for one engine in particular.
/// </summary>
internal sealed class SourcePhases(EngineRegistry engines, SourceRunner sources, SourceContext context, string stateDir, TimeProvider time)
{
    /// <summary>
    /// With several engines, each engine the job uses is asked once at the start: one that does not answer fails its
    /// sources (and its stop_containers are not touched), named with its endpoint and the fix; the others go on.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> UnreachableEnginesAsync(JobOptions job, List<string> runErrors, ILogger log, CancellationToken cancellationToken)
    {
        var down = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!engines.HasSeveral)
        {
            return down;
        }

        foreach (var engine in job.Sources.Select(s => s.Engine).Concat(job.StopContainers.Select(c => c.Engine)).Distinct(StringComparer.Ordinal))
        {
            if (await engines.ProblemOfAsync(engine, cancellationToken) is { } problem)
            {
                log.ForEvent(LogEvents.EngineUnreachable).Error("{Error} Its sources fail; the job's other sources go on", problem);
                down[engine] = problem;
                runErrors.Add(problem);
            }
        }

        return down;
    }

    /// <summary>One source, unless its engine does not answer: then its artifact fails saying so.</summary>
    public async Task RunSourceAsync(
        PlannedSource source,
        IReadOnlyDictionary<string, string> down,
        ICompressor compressor,
        ArtifactTargets targets,
        List<ManifestArtifact> artifacts,
        IProgress<ManifestArtifact>? progress,
        ILogger log,
        CancellationToken cancellationToken)
    {
        if (down.TryGetValue(source.Options.Engine, out var problem))
        {
            var failed = SourceRunner.FailedBeforeStart(source.Source, time.GetUtcNow(), $"Not read: {problem}") with { Engine = source.Options.Engine };
            log.ForEvent(LogEvents.SourceFailed).Error("Source {Source} failed: {Error}", source.Source.DisplayName, failed.Error);
            artifacts.Add(failed);
            progress?.Report(failed);
            return;
        }

        await sources.RunAsync(source, compressor, targets, artifacts, progress, log, cancellationToken);
    }

    /// <summary>
    /// The files phase: the stop_containers of each engine that answers stopped there, the files sources read, then
    /// every container stopped started again. If any cannot be stopped, no files source is read (reading under a
    /// running application would give an inconsistent copy).
    /// </summary>
    public async Task BackUpFilesAsync(
        JobOptions job,
        RunId runId,
        List<PlannedSource> files,
        IReadOnlyDictionary<string, string> down,
        ICompressor compressor,
        ArtifactTargets targets,
        List<ManifestArtifact> artifacts,
        List<string> runErrors,
        IProgress<ManifestArtifact>? progress,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var stoppers = new List<ContainerStopper>();
        try
        {
            if (files.Count > 0 && !await StopAllAsync(job, runId, files, down, stoppers, artifacts, runErrors, progress, log, cancellationToken))
            {
                return;
            }

            foreach (var source in files)
            {
                await RunSourceAsync(source, down, compressor, targets, artifacts, progress, log, cancellationToken);
            }
        }
        finally
        {
            foreach (var stopper in Enumerable.Reverse(stoppers))
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

    /// <summary>Stops each engine's stop_containers; false (every files source failed) when one could not be stopped.</summary>
    private async Task<bool> StopAllAsync(
        JobOptions job,
        RunId runId,
        List<PlannedSource> files,
        IReadOnlyDictionary<string, string> down,
        List<ContainerStopper> stoppers,
        List<ManifestArtifact> artifacts,
        List<string> runErrors,
        IProgress<ManifestArtifact>? progress,
        ILogger log,
        CancellationToken cancellationToken)
    {
        foreach (var group in job.StopContainers.GroupBy(c => c.Engine, StringComparer.Ordinal).Where(g => !down.ContainsKey(g.Key)))
        {
            var on = context.On(group.Key);
            try
            {
                var stopper = await ContainerStopper.StopAsync(
                    on.Docker, on.Engine, on.Containers, [.. group.Select(c => c.Name)], stateDir, context.InstanceId, job.Name, runId.ToString(), time, log, cancellationToken);
                if (stopper is not null)
                {
                    stoppers.Add(stopper);
                }
            }
            catch (Exception ex) when (ex is ArtifactFailedException or DockerApiException or DockerUnavailableException or ContainerRestartException)
            {
                // Reading files under a running application would give an inconsistent copy: do not pretend.
                var where = engines.HasSeveral ? $" (engine {group.Key})" : string.Empty;
                var error = $"stop_containers{where}: {ex.Message}";
                log.ForEvent(LogEvents.StopContainersFailed).Error("{Error}", error);
                runErrors.Add(error);
                foreach (var (options, source) in files)
                {
                    var why = down.TryGetValue(options.Engine, out var problem) ? problem : $"the containers to stop first could not be stopped ({ex.Message})";
                    var failed = SourceRunner.FailedBeforeStart(source, time.GetUtcNow(), $"Not read: {why}") with { Engine = options.Engine };
                    artifacts.Add(failed);
                    progress?.Report(failed);
                }

                return false;
            }
        }

        return true;
    }
}
