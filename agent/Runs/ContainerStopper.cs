using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Sources;

namespace VolumeAgent.Runs;

/// <summary>
/// Stops a job's <c>stop_containers</c> for the time its volumes are read and starts them again: dependants
/// stop first and start last (compose's depends_on label), only containers that were running are touched,
/// and a journal written before the first stop lets a later start finish the job if this process dies.
/// </summary>
internal sealed class ContainerStopper
{
    public const string DependsOnLabel = "com.docker.compose.depends_on";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StartBound = TimeSpan.FromMinutes(2);
    private readonly DockerClient _docker;
    private readonly StopJournal _journal;
    private readonly List<JournalContainer> _stopped = [];
    private readonly ILogger _log;

    private ContainerStopper(DockerClient docker, StopJournal journal, ILogger log)
    {
        _docker = docker;
        _journal = journal;
        _log = log;
    }

    public IReadOnlyList<JournalContainer> Stopped => _stopped;

    public static async Task<ContainerStopper?> StopAsync(
        DockerClient docker,
        ContainerResolver resolver,
        IReadOnlyList<string> names,
        string stateDir,
        string instanceId,
        string job,
        string runId,
        ILogger log,
        CancellationToken cancellationToken)
    {
        var running = new List<ContainerInspect>();
        foreach (var name in names)
        {
            var container = await resolver.ResolveAsync(name, cancellationToken);
            if (container.State is { Running: true } && running.All(c => c.Id != container.Id))
            {
                running.Add(container);
            }
            else if (container.State is not { Running: true })
            {
                log.Information("{Container} is not running; it is left as it is", ContainerResolver.NameOf(container));
            }
        }

        if (running.Count == 0)
        {
            return null;
        }

        var order = StopOrder(running);
        var journal = await StopJournal.WriteAsync(
            stateDir, instanceId, job, runId, [.. order.Select(c => new JournalContainer(c.Id, ContainerResolver.NameOf(c)))], cancellationToken);
        var stopper = new ContainerStopper(docker, journal, log);
        try
        {
            foreach (var container in order)
            {
                var name = ContainerResolver.NameOf(container);
                log.Information("Stopping {Container} while its data is read", name);
                await docker.Containers.StopAsync(container.Id, StopTimeout, cancellationToken);
                stopper._stopped.Add(new JournalContainer(container.Id, name));
            }

            return stopper;
        }
        catch
        {
            await stopper.RestartAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts what was stopped, dependencies first, and waits until each runs. Not cancellable by the run: a
    /// cancelled run must still bring the containers back. Throws when one does not come back.
    /// </summary>
    public async Task RestartAsync()
    {
        using var bound = new CancellationTokenSource(StartBound);
        var failures = new List<string>();
        foreach (var container in Enumerable.Reverse(_stopped))
        {
            try
            {
                await _docker.Containers.StartAsync(container.Id, bound.Token);
                var state = await _docker.Containers.InspectAsync(container.Id, bound.Token);
                if (state.State is not { Running: true })
                {
                    failures.Add($"{container.Name} ({state.State?.Status}, exit code {state.State?.ExitCode}{(string.IsNullOrEmpty(state.State?.Error) ? string.Empty : ": " + state.State.Error)})");
                    continue;
                }

                _log.Information("Started {Container} again", container.Name);
            }
            catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
            {
                failures.Add($"{container.Name} ({ex.Message})");
            }
        }

        if (failures.Count > 0)
        {
            // The journal stays: the next start of the agent tries again.
            throw new ContainerRestartException(
                $"Container(s) stopped for the backup did not start again: {string.Join("; ", failures)}. Start them by hand (docker start) and check their logs.");
        }

        _journal.Delete();
    }

    /// <summary>
    /// Starts again whatever journals of dead agent processes say they stopped; for the agent's start-up.
    /// </summary>
    public static async Task RecoverAsync(DockerClient docker, string stateDir, ILogger log, CancellationToken cancellationToken)
    {
        foreach (var journal in StopJournal.FindOrphaned(stateDir))
        {
            var ok = true;
            foreach (var container in journal.Record.Containers.Reverse())
            {
                var state = await docker.Containers.TryInspectAsync(container.Id, cancellationToken);
                if (state is null)
                {
                    log.Warning("Container {Container}, stopped by interrupted run {RunId} of job {Job}, no longer exists", container.Name, journal.Record.RunId, journal.Record.Job);
                    continue;
                }

                if (state.State is { Running: true })
                {
                    continue;
                }

                try
                {
                    await docker.Containers.StartAsync(container.Id, cancellationToken);
                    log.Warning("Started {Container} again: interrupted run {RunId} of job {Job} had stopped it", container.Name, journal.Record.RunId, journal.Record.Job);
                }
                catch (DockerApiException ex)
                {
                    ok = false;
                    log.Error("Could not start {Container} again after interrupted run {RunId}: {Error}. Start it by hand.", container.Name, journal.Record.RunId, ex.Message);
                }
            }

            if (ok)
            {
                journal.Delete();
            }
        }
    }

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

internal sealed class ContainerRestartException : Exception
{
    public ContainerRestartException()
    {
    }

    public ContainerRestartException(string message)
        : base(message)
    {
    }

    public ContainerRestartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
