using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;

namespace VolumeAgent.Runs;

/// <summary>
/// Removes containers and volumes that an agent process created and did not live to remove (killed,
/// crashed, host rebooted). Work of a live process is left alone: its instance lock is still held.
/// Work of an instance without a lock file in this state directory is left alone too: it belongs to another
/// agent (another stack's agent, a test's in-process session) on the same engine, whose liveness this process
/// cannot see. Every engine of the agent is swept; while one does not answer, the lock files of dead instances are
/// kept, so a later start still knows their leftovers there.
/// </summary>
internal static class LeftoverSweeper
{
    public static Task<int> SweepAsync(IDockerEngine docker, string stateDir, ILogger log, CancellationToken cancellationToken) =>
        SweepAsync(EngineRegistry.Of(docker), stateDir, log, cancellationToken);

    /// <summary>Sweeps every engine of <paramref name="engines"/>; the default one must answer, another that does not is logged and left for the next start.</summary>
    public static async Task<int> SweepAsync(EngineRegistry engines, string stateDir, ILogger log, CancellationToken cancellationToken)
    {
        var removed = 0;
        var verdicts = new Dictionary<string, bool>(StringComparer.Ordinal);

        // An instance whose leftovers could not all be removed keeps its lock file, so the next sweep still knows them.
        var unfinished = new HashSet<string>(StringComparer.Ordinal);
        var everyEngine = true;
        foreach (var name in engines.Names)
        {
            if (name != EngineRegistry.DefaultName && await engines.ProblemOfAsync(name, cancellationToken) is { } problem)
            {
                log.ForEvent(LogEvents.EngineNotSwept).Warning("Leftovers of interrupted runs on engine {Engine} are swept at a later start: {Error}", name, problem);
                everyEngine = false;
                continue;
            }

            try
            {
                removed += await SweepEngineAsync(engines.Get(name), stateDir, unfinished, verdicts, log, cancellationToken);
            }
            catch (Exception ex) when (name != EngineRegistry.DefaultName && ex is DockerUnavailableException or DockerApiException)
            {
                // It went away after answering: the others are still swept, and the next start tries it again.
                log.ForEvent(LogEvents.EngineNotSwept).Warning("Leftovers of interrupted runs on engine {Engine} are swept at a later start: {Error}", name, ex.Message);
                everyEngine = false;
            }
        }

        foreach (var instance in AgentInstance.ListLockFiles(stateDir))
        {
            if (everyEngine && !unfinished.Contains(instance) && !AgentInstance.IsAlive(stateDir, instance))
            {
                AgentInstance.Forget(stateDir, instance);
            }
        }

        return removed;
    }

    private static async Task<int> SweepEngineAsync(
        IDockerEngine docker, string stateDir, HashSet<string> unfinished, Dictionary<string, bool> verdicts, ILogger log, CancellationToken cancellationToken)
    {
        var owned = new Dictionary<string, string?> { [AgentLabels.Owner] = AgentLabels.OwnerValue };
        var removed = 0;
        removed += await EndLeftExecsAsync(docker, stateDir, verdicts, unfinished, log, cancellationToken);
        foreach (var container in await docker.Containers.ListAsync(cancellationToken, all: true, labels: owned))
        {
            var instance = container.Labels?.GetValueOrDefault(AgentLabels.Instance) ?? string.Empty;
            if (!IsOrphanOfThisStateDir(stateDir, instance, verdicts))
            {
                continue;
            }

            try
            {
                await docker.Containers.RemoveAsync(container.Id, cancellationToken, force: true);
            }
            catch (DockerApiException ex)
            {
                log.ForEvent(LogEvents.LeftoverContainerNotRemoved).Warning("Could not remove container {Container} an interrupted run left: {Error}; the next start tries again", container.DisplayName, ex.Message);
                unfinished.Add(instance);
                continue;
            }

            log.ForEvent(LogEvents.LeftoverContainerRemoved).Information(
                "Removed container {Container} that an interrupted run ({RunId}) left behind",
                container.DisplayName,
                container.Labels?.GetValueOrDefault(AgentLabels.RunId));
            removed++;
        }

        foreach (var volume in await ListScratchVolumesAsync(docker, stateDir, verdicts, log, cancellationToken))
        {
            var instance = volume.Labels?.GetValueOrDefault(AgentLabels.Instance) ?? string.Empty;
            if (!IsOrphanOfThisStateDir(stateDir, instance, verdicts))
            {
                continue;
            }

            try
            {
                await docker.Volumes.RemoveAsync(volume.Name, cancellationToken, force: true);
            }
            catch (DockerApiException ex)
            {
                log.ForEvent(LogEvents.LeftoverVolumeNotRemoved).Warning("Could not remove scratch volume {Volume} an interrupted run left: {Error}; the next start tries again", volume.Name, ex.Message);
                unfinished.Add(instance);
                continue;
            }

            log.ForEvent(LogEvents.LeftoverVolumeRemoved).Information("Removed scratch volume {Volume} that an interrupted run left behind", volume.Name);
            removed++;
        }

        return removed;
    }

    /// <summary>
    /// The agent's scratch volumes (drills and restores make them), asked for only when an instance of this state
    /// directory died: volumes of live or other agents are never removed, so without a dead instance there is nothing
    /// to find, and a backup-only agent behind a socket proxy needs no VOLUMES. A proxy that refuses the listing
    /// leaves them (a warning says which category to allow); it does not fail the start.
    /// </summary>
    private static async Task<IReadOnlyList<VolumeInfo>> ListScratchVolumesAsync(
        IDockerEngine docker, string stateDir, Dictionary<string, bool> verdicts, ILogger log, CancellationToken cancellationToken)
    {
        if (!AgentInstance.ListLockFiles(stateDir).Any(instance => IsOrphanOfThisStateDir(stateDir, instance, verdicts)))
        {
            return [];
        }

        try
        {
            return await docker.Volumes.ListAsync(cancellationToken, labels: new Dictionary<string, string?> { [AgentLabels.Owner] = AgentLabels.OwnerValue });
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            log.ForEvent(LogEvents.ScratchVolumesNotListed).Warning(
                "Scratch volumes an interrupted drill or restore may have left are not removed: {Error}. Remove volumes labelled {Label}={Value} by hand, or allow the listing",
                ex.Message,
                AgentLabels.Owner,
                AgentLabels.OwnerValue);
            return [];
        }
    }

    /// <summary>
    /// Ends the dumps and hooks a killed agent left running in containers: the engine does not end an exec whose client
    /// went away (it reads the rest of their output and drops it), so a dump runs on to its end with its transaction open,
    /// one waiting on a lock for ever, and a hook runs on. They are
    /// found by their tags (<see cref="ExecTags"/>) and ended with every process they started, as a run ends its own.
    /// </summary>
    private static async Task<int> EndLeftExecsAsync(
        IDockerEngine docker, string stateDir, Dictionary<string, bool> verdicts, HashSet<string> unfinished, ILogger log, CancellationToken cancellationToken)
    {
        if (AgentInstance.ListLockFiles(stateDir).All(instance => AgentInstance.IsAlive(stateDir, instance)))
        {
            return 0;
        }

        var ended = 0;
        foreach (var container in await docker.Containers.ListAsync(cancellationToken, all: false))
        {
            IReadOnlyList<TaggedExec> execs;
            try
            {
                execs = await docker.Exec.ListTaggedAsync(container.Id, cancellationToken);
            }
            catch (DockerApiException ex) when (ex.IsNotFound)
            {
                continue;
            }

            foreach (var exec in execs.Where(e => IsOrphanOfThisStateDir(stateDir, e.Owner, verdicts)))
            {
                try
                {
                    await docker.Exec.StopTaggedAsync(exec, cancellationToken);
                }
                catch (ExecStopException ex)
                {
                    log.ForEvent(LogEvents.LeftoverExecNotEnded).Warning("Could not end '{Program}' that an interrupted run left running in container {Container}: {Error}; the next start tries again", exec.Program, container.DisplayName, ex.Message);
                    unfinished.Add(exec.Owner);
                    continue;
                }

                log.ForEvent(LogEvents.LeftoverExecEnded).Information(
                    "Ended '{Program}' that an interrupted run left running in container {Container}", exec.Program, container.DisplayName);
                ended++;
            }
        }

        return ended;
    }

    /// <summary>
    /// True when the instance left its lock file here and no longer holds it. Judged once per instance.
    /// </summary>
    private static bool IsOrphanOfThisStateDir(string stateDir, string instance, Dictionary<string, bool> verdicts)
    {
        if (!verdicts.TryGetValue(instance, out var orphan))
        {
            orphan = AgentInstance.HasLockFile(stateDir, instance) && !AgentInstance.IsAlive(stateDir, instance);
            verdicts[instance] = orphan;
        }

        return orphan;
    }
}
