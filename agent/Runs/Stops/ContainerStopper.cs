using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Sources;
using VolumeAgent.Swarm;

namespace VolumeAgent.Runs.Stops;

/// <summary>
/// Stops a job's <c>stop_containers</c> for the time its volumes are read and starts them again: dependants
/// stop first and start last (compose's depends_on label), and only containers that were running, or that another
/// run holds stopped, are touched. Every run that needs a container stopped holds it in the shared
/// <see cref="StopJournal"/>, written before the first stop; it is started again when the last holder is done,
/// and a later start finishes the job if a process dies. A Swarm task is paused instead of stopped: Swarm would
/// replace a stopped task with a new container (which would write to the data being read), while a paused one stays
/// the same task on the same node, and comes back by unpausing, here or by the journal's recovery.
/// </summary>
internal sealed class ContainerStopper
{
    public const string DependsOnLabel = "com.docker.compose.depends_on";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StartBound = TimeSpan.FromMinutes(2);
    // Another process holds the journal's lock only while it stops or starts containers, each step bounded.
    private static readonly TimeSpan JournalBound = TimeSpan.FromMinutes(10);
    private readonly IDockerEngine _docker;
    private readonly string _stateDir;
    private readonly JournalHolder _holder;
    private readonly IReadOnlyList<JournalContainer> _held;
    private readonly List<JournalContainer> _started = [];
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private bool _released;

    private ContainerStopper(IDockerEngine docker, string stateDir, JournalHolder holder, IReadOnlyList<JournalContainer> held, TimeProvider time, ILogger log)
    {
        _docker = docker;
        _stateDir = stateDir;
        _holder = holder;
        _held = held;
        _time = time;
        _log = log;
    }

    /// <summary>The containers <see cref="RestartAsync"/> started; one another run still holds stays stopped.</summary>
    public IReadOnlyList<JournalContainer> Started => _started;

    /// <param name="engine">The name of <paramref name="docker"/> among the agent's engines, recorded in the journal.</param>
    public static async Task<ContainerStopper?> StopAsync(
        IDockerEngine docker,
        string engine,
        ContainerResolver resolver,
        IReadOnlyList<string> names,
        string stateDir,
        string instanceId,
        string job,
        string runId,
        TimeProvider time,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var holder = new JournalHolder(instanceId, job, runId);

        // The lock is kept until every stop is done: a run that comes later must find them stopped, not stopping.
        using var journal = await StopJournal.OpenAsync(stateDir, time, log, cancellationToken);
        journal.ForgetDeadHolders();
        var held = new List<ContainerInspect>();
        foreach (var name in names)
        {
            ContainerInspect container;
            try
            {
                container = await resolver.ResolveAsync(name, cancellationToken);
            }
            catch (NotOnThisNodeException ex)
            {
                log.ForEvent(LogEvents.SwarmStopSkipped).Information("{Container} is not stopped by this node: {Reason}", name, ex.Message);
                continue;
            }

            if (held.Any(c => c.Id == container.Id))
            {
                continue;
            }

            var entry = journal.Find(container.Id);
            if (IsUp(container) || (entry is not null && StopRecovery.ShowsAgentStop(entry, container)))
            {
                held.Add(container);
                continue;
            }

            if (entry is not null)
            {
                StopRecovery.LeaveToOperator(journal, entry, $"run {entry.StoppedBy.RunId} of job {entry.StoppedBy.Job}", log);
            }

            log.ForEvent(LogEvents.StopSkippedNotRunning).Information("{Container} is not running; it is left as it is", ContainerResolver.NameOf(container));
        }

        if (held.Count == 0)
        {
            journal.Save();
            return null;
        }

        var order = StopOrder(held);
        foreach (var container in order)
        {
            if (IsUp(container))
            {
                journal.RecordStop(container.Id, ContainerResolver.NameOf(container), container.State!.StartedAt, holder, engine, paused: SwarmNode.IsTask(container));
            }
            else
            {
                var by = journal.Find(container.Id)!.StoppedBy;
                log.ForEvent(LogEvents.StopAlreadyHeld).Information("{Container} is stopped already, by run {RunId} of job {Job}; this run holds it stopped too", ContainerResolver.NameOf(container), by.RunId, by.Job);
                journal.Hold(container.Id, holder);
            }
        }

        journal.Save();
        var stopper = new ContainerStopper(docker, stateDir, holder, [.. order.Select(c => new JournalContainer(c.Id, ContainerResolver.NameOf(c)))], time, log);
        try
        {
            foreach (var container in order.Where(IsUp))
            {
                if (SwarmNode.IsTask(container))
                {
                    log.ForEvent(LogEvents.ContainerPausing).Information(
                        "Pausing {Container}, a task of Swarm service {Service}, while its data is read (stopped, Swarm would replace it)",
                        ContainerResolver.NameOf(container),
                        SwarmNode.ServiceOf(container));
                    try
                    {
                        await docker.Containers.PauseAsync(container.Id, cancellationToken);
                    }
                    catch (ContainerFreezeException ex)
                    {
                        throw ex.Naming(ContainerResolver.NameOf(container));
                    }

                    continue;
                }

                log.ForEvent(LogEvents.ContainerStopping).Information("Stopping {Container} while its data is read", ContainerResolver.NameOf(container));
                await docker.Containers.StopAsync(container.Id, StopTimeout, cancellationToken);
            }

            return stopper;
        }
        catch
        {
            await stopper.ReleaseAsync(journal);
            throw;
        }
    }

    /// <summary>
    /// Lets go of what this run holds stopped and starts each container no other run holds, dependencies first,
    /// waiting until it runs. Not cancellable by the run: a cancelled run must still bring the containers back.
    /// Throws when one does not come back.
    /// </summary>
    public async Task RestartAsync()
    {
        if (_released)
        {
            return;
        }

        StopJournal journal;
        using (var bound = new CancellationTokenSource(JournalBound))
        {
            try
            {
                journal = await StopJournal.OpenAsync(_stateDir, _time, _log, bound.Token);
            }
            catch (OperationCanceledException)
            {
                throw new ContainerRestartException(
                    $"The stop journal in {_stateDir} stayed locked by another agent process for {JournalBound.TotalMinutes:0} min; "
                    + $"{string.Join(", ", _held.Select(c => c.Name))} may still be stopped. Start them by hand (docker start).");
            }
        }

        using (journal)
        {
            await ReleaseAsync(journal);
        }
    }

    private async Task ReleaseAsync(StopJournal journal)
    {
        _released = true;
        var failures = new List<string>();
        try
        {
            journal.ForgetDeadHolders();
            journal.Release(_holder);
            using var bound = new CancellationTokenSource(StartBound);
            foreach (var container in Enumerable.Reverse(_held))
            {
                if (journal.Find(container.Id) is not { } entry)
                {
                    continue;
                }

                if (entry.Holders.Count > 0)
                {
                    _log.ForEvent(LogEvents.ContainerStaysStopped).Information(
                        "{Container} stays stopped: run {RunId} of job {Job} still holds it",
                        container.Name,
                        entry.Holders[0].RunId,
                        entry.Holders[0].Job);
                    continue;
                }

                var (started, failure) = await StopRecovery.StartAgainAsync(_docker, journal, entry, interrupted: false, _log, bound.Token);
                if (failure is not null)
                {
                    failures.Add($"{container.Name} ({failure})");
                }
                else if (started)
                {
                    _started.Add(container);
                }
            }
        }
        finally
        {
            // What did not start stays in the journal, held by no one: the next agent command or run tries again.
            journal.Save();
        }

        if (failures.Count > 0)
        {
            throw new ContainerRestartException(
                $"Container(s) stopped for the backup did not start again: {string.Join("; ", failures)}. Start them by hand (docker start) and check their logs.");
        }
    }

    /// <summary>Running and not paused: what a run stops (or pauses) and starts again.</summary>
    private static bool IsUp(ContainerInspect container) => container.State is { Running: true, Paused: false };

    /// <summary>Dependants before what they depend on, by compose's depends_on label; otherwise as listed.</summary>
    internal static IReadOnlyList<ContainerInspect> StopOrder(IReadOnlyList<ContainerInspect> containers)
    {
        var byService = new Dictionary<string, ContainerInspect>(StringComparer.Ordinal);
        foreach (var container in containers)
        {
            if (container.Config?.Labels?.GetValueOrDefault(ContainerResolver.ComposeServiceLabel) is { } service)
            {
                byService.TryAdd(service, container);
            }
        }

        var ordered = new List<ContainerInspect>();
        var visiting = new HashSet<string>(StringComparer.Ordinal);

        // A container goes in after every container that depends on it.
        void Visit(ContainerInspect container)
        {
            if (ordered.Contains(container) || !visiting.Add(container.Id))
            {
                return;
            }

            foreach (var other in containers)
            {
                if (DependsOn(other).Any(d => byService.TryGetValue(d, out var target) && target.Id == container.Id))
                {
                    Visit(other);
                }
            }

            ordered.Add(container);
        }

        foreach (var container in containers)
        {
            Visit(container);
        }

        return ordered;
    }

    private static IEnumerable<string> DependsOn(ContainerInspect container) =>
        (container.Config?.Labels?.GetValueOrDefault(DependsOnLabel) ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => entry.Split(':')[0]);
}
