using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;

namespace VolumeAgent.Runs.Stops;

/// <summary>
/// Starts again the containers of the <see cref="StopJournal"/> that no live run holds stopped: what a killed agent
/// left down. Only a container whose state still shows the agent's stop is started; one that someone started
/// (and stopped) again since is theirs now, and its entry is dropped with a warning.
/// </summary>
internal static class StopRecovery
{
    /// <summary>For an agent session's start and each run: waits for the journal's lock when another process holds it.</summary>
    public static async Task RecoverAsync(EngineRegistry engines, string stateDir, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        if (!StopJournal.Exists(stateDir))
        {
            return;
        }

        using var journal = await StopJournal.OpenAsync(stateDir, time, log, cancellationToken);
        await RecoverAsync(engines, journal, log, cancellationToken);
    }

    /// <summary>
    /// For commands that open no agent session (<c>list</c>, <c>status</c>, <c>prune</c>): reaches the engine only when
    /// the journal lists something no live run holds, and never waits for the journal's lock (a process holding it
    /// is stopping or starting containers right now). A container that cannot be started is logged, not thrown.
    /// </summary>
    /// <param name="engines">backup.yml's <c>engines</c>, where containers on them were stopped.</param>
    public static async Task RepairAsync(string stateDir, IReadOnlyList<EngineDefinition> engines, ILogger log, CancellationToken cancellationToken)
    {
        if (!StopJournal.Exists(stateDir))
        {
            return;
        }

        StopJournal? journal;
        try
        {
            journal = StopJournal.TryOpen(stateDir, log);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.ForEvent(LogEvents.StopJournalNotOpened).Warning("The stop journal in {StateDir} cannot be opened ({Error}); containers an interrupted run stopped may still be stopped", stateDir, ex.Message);
            return;
        }

        using (journal)
        {
            if (journal is null)
            {
                return;
            }

            journal.ForgetDeadHolders();
            if (journal.Containers.All(c => c.Holders.Count > 0))
            {
                journal.Save();
                return;
            }

            EngineRegistry registry;
            try
            {
                registry = EngineRegistry.Create(engines, log);
            }
            catch (ArgumentException ex)
            {
                log.ForEvent(LogEvents.StopJournalNoEngine).Warning("Containers an interrupted run stopped may still be stopped: {Error}", ex.Message);
                return;
            }

            await using (registry)
            {
                await RecoverAsync(registry, journal, log, cancellationToken);
            }
        }
    }

    /// <summary>True while the container's state still shows the agent's stop: not started by anyone since.</summary>
    public static bool ShowsAgentStop(StoppedContainer entry, ContainerInspect container) =>
        (entry.Paused ? container.State is { Running: true, Paused: true } : container.State is not { Running: true })
        && (entry.StartedAt is null || string.Equals(entry.StartedAt, container.State?.StartedAt, StringComparison.Ordinal));

    /// <summary>
    /// Starts a container no run holds any more, if its state still shows the agent's stop, and drops its entry when
    /// it runs, is gone or was taken over. Returns whether this call started it, and why it is not running when the
    /// start failed (the entry then stays).
    /// </summary>
    public static async Task<(bool Started, string? Failure)> StartAgainAsync(
        IDockerEngine docker, StopJournal journal, StoppedContainer entry, bool interrupted, ILogger log, CancellationToken cancellationToken)
    {
        var by = entry.StoppedBy;
        var who = interrupted ? $"interrupted run {by.RunId} of job {by.Job}" : $"run {by.RunId} of job {by.Job}";
        ContainerInspect? state;
        try
        {
            state = await docker.Containers.TryInspectAsync(entry.Id, cancellationToken);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
        {
            return (false, ex.Message);
        }

        if (state is null)
        {
            log.ForEvent(LogEvents.StoppedContainerGone).Warning("Container {Container}, stopped by {Run}, no longer exists", entry.Name, who);
            journal.Remove(entry.Id);
            return (false, null);
        }

        if (state.State is { Running: true, Paused: false } || (!entry.Paused && state.State is { Running: true }))
        {
            journal.Remove(entry.Id);
            return (false, null);
        }

        if (!ShowsAgentStop(entry, state))
        {
            LeaveToOperator(journal, entry, who, log);
            return (false, null);
        }

        if (entry.Paused)
        {
            return await UnpauseAsync(docker, journal, entry, who, interrupted, log, cancellationToken);
        }

        try
        {
            await docker.Containers.StartAsync(entry.Id, cancellationToken);
            state = await docker.Containers.InspectAsync(entry.Id, cancellationToken);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
        {
            return (false, ex.Message);
        }

        if (state.State is not { Running: true })
        {
            // It started and ended at once: this attempt is now the agent's stop, so the next one still recognises it.
            journal.UpdateStartedAt(entry.Id, state.State?.StartedAt);
            var error = string.IsNullOrEmpty(state.State?.Error) ? string.Empty : ": " + state.State.Error;
            return (false, $"{state.State?.Status}, exit code {state.State?.ExitCode}{error}");
        }

        journal.Remove(entry.Id);
        if (interrupted)
        {
            log.ForEvent(LogEvents.InterruptedStopRecovered).Warning("Started {Container} again: {Run} had stopped it", entry.Name, who);
        }
        else
        {
            log.ForEvent(LogEvents.ContainerStartedAgain).Information("Started {Container} again", entry.Name);
        }

        return (true, null);
    }

    /// <summary>Unpauses a Swarm task the agent paused, and drops its entry once it runs unpaused.</summary>
    private static async Task<(bool Started, string? Failure)> UnpauseAsync(
        IDockerEngine docker, StopJournal journal, StoppedContainer entry, string who, bool interrupted, ILogger log, CancellationToken cancellationToken)
    {
        ContainerInspect state;
        try
        {
            await docker.Containers.UnpauseAsync(entry.Id, cancellationToken);
            state = await docker.Containers.InspectAsync(entry.Id, cancellationToken);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
        {
            return (false, ex.Message);
        }

        if (state.State is not { Running: true, Paused: false })
        {
            return (false, $"{state.State?.Status} after unpausing");
        }

        journal.Remove(entry.Id);
        if (interrupted)
        {
            log.ForEvent(LogEvents.InterruptedStopRecovered).Warning("Unpaused {Container}: {Run} had paused it", entry.Name, who);
        }
        else
        {
            log.ForEvent(LogEvents.ContainerUnpaused).Information("Unpaused {Container}", entry.Name);
        }

        return (true, null);
    }

    /// <summary>Someone started the container after the agent stopped it, and stopped it again: it is theirs now.</summary>
    public static void LeaveToOperator(StopJournal journal, StoppedContainer entry, string stoppedBy, ILogger log)
    {
        log.ForEvent(LogEvents.StoppedContainerTakenOver).Warning(
            "{Container} was started again after {Run} stopped it, and is stopped now: the operator has taken it over, so the agent leaves it stopped and forgets it",
            entry.Name,
            stoppedBy);
        journal.Remove(entry.Id);
    }

    private static async Task RecoverAsync(EngineRegistry engines, StopJournal journal, ILogger log, CancellationToken cancellationToken)
    {
        try
        {
            journal.ForgetDeadHolders();
            var unreachable = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var entry in journal.Containers.Reverse().Where(c => c.Holders.Count == 0).ToList())
            {
                if (!engines.Has(entry.EngineName))
                {
                    log.ForEvent(LogEvents.StoppedContainerEngineUnknown).Warning(
                        "{Container} was stopped by interrupted run {RunId} of job {Job} on engine {Engine}, which backup.yml no longer defines; define the engine again under 'engines', or start it by hand (docker start)",
                        entry.Name,
                        entry.StoppedBy.RunId,
                        entry.StoppedBy.Job,
                        entry.EngineName);
                    continue;
                }

                // Another engine that does not answer is asked once, within a bound, not once per container.
                if (entry.EngineName != EngineRegistry.DefaultName && !unreachable.ContainsKey(entry.EngineName))
                {
                    unreachable[entry.EngineName] = await engines.ProblemOfAsync(entry.EngineName, cancellationToken);
                }

                var result = unreachable.GetValueOrDefault(entry.EngineName) is { } down
                    ? (Started: false, Failure: down)
                    : await StartAgainAsync(engines.Get(entry.EngineName), journal, entry, interrupted: true, log, cancellationToken);
                if (result.Failure is { } failure)
                {
                    log.ForEvent(LogEvents.InterruptedStopNotRecovered).Error(
                        "Could not start {Container} again after interrupted run {RunId} of job {Job}: {Error}. Start it by hand (docker start); the next agent command or run tries again",
                        entry.Name,
                        entry.StoppedBy.RunId,
                        entry.StoppedBy.Job,
                        failure);
                }
            }
        }
        finally
        {
            journal.Save();
        }
    }
}
