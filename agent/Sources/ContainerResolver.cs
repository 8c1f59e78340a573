using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Swarm;

namespace VolumeAgent.Sources;

/// <summary>
/// Finds a container by its name or, failing that, as the task on this node of a Swarm service
/// (<see cref="SwarmTasks"/>), or as a compose service of the project (the labels compose sets:
/// com.docker.compose.project / .service). When the agent runs as a Swarm task, a name that finds nothing here is
/// taken for a service whose task runs on another node (<see cref="NotOnThisNodeException"/>).
/// </summary>
internal sealed class ContainerResolver
{
    public const string ComposeProjectLabel = "com.docker.compose.project";
    public const string ComposeServiceLabel = "com.docker.compose.service";

    /// <summary>The id's length `docker ps` shows: the shortest id prefix a source may name a container by.</summary>
    public const int ShortIdLength = 12;
    private readonly IDockerEngine _docker;
    private readonly string? _project;
    private readonly SwarmNode? _node;
    private readonly SwarmTasks _tasks;

    /// <param name="node">This node, when the agent runs as a Swarm task; null otherwise.</param>
    public ContainerResolver(IDockerEngine docker, string? project, SwarmNode? node = null)
    {
        _docker = docker;
        _project = project;
        _node = node;
        _tasks = new SwarmTasks(docker, project, node);
    }

    public string? Project => _project;

    /// <summary>This node, when the agent runs as a Swarm task.</summary>
    public SwarmNode? Node => _node;

    /// <summary>
    /// The compose project, else the Swarm stack, a container belongs to: for the agent's own container, where its
    /// sources are when backup.yml names no project.
    /// </summary>
    public static string? ProjectOf(ContainerInspect? container) =>
        container?.Config?.Labels?.GetValueOrDefault(ComposeProjectLabel) ?? container?.Config?.Labels?.GetValueOrDefault(SwarmNode.StackLabel);

    /// <summary>The agent's own container, when it runs in one (HOSTNAME is the container id's prefix there); else null.</summary>
    public static async Task<ContainerInspect?> InspectSelfAsync(IDockerEngine docker, CancellationToken cancellationToken)
    {
        var hostname = Environment.GetEnvironmentVariable("HOSTNAME") ?? System.Net.Dns.GetHostName();
        if (string.IsNullOrEmpty(hostname) || !File.Exists("/.dockerenv"))
        {
            return null;
        }

        return await docker.Containers.TryInspectAsync(hostname, cancellationToken);
    }

    public async Task<ContainerInspect> ResolveAsync(string nameOrService, CancellationToken cancellationToken)
    {
        if (await TryInspectNamedAsync(_docker, nameOrService, cancellationToken) is { } byName)
        {
            return byName;
        }

        if (await _tasks.FindLocalTaskAsync(nameOrService, cancellationToken) is { } task)
        {
            return task;
        }

        var labels = new Dictionary<string, string?> { [ComposeServiceLabel] = nameOrService };
        if (_project is not null)
        {
            labels[ComposeProjectLabel] = _project;
        }

        var matches = await _docker.Containers.ListAsync(cancellationToken, all: true, labels: labels);
        var running = matches.Where(c => c.State == "running").ToList();
        var candidates = running.Count > 0 ? running : matches.ToList();
        if (candidates.Count == 0 && _node is not null)
        {
            throw new NotOnThisNodeException(
                $"'{nameOrService}' is no container here and no Swarm service with a task on this node ({_node.Name}); "
                + "the node that runs its task backs it up. If no node does, check the name with `docker service ls`.");
        }

        if (candidates.Count == 0)
        {
            var scope = _project is null ? "in any compose project" : $"in compose project '{_project}'";
            throw new ArtifactFailedException(
                $"No container is named '{nameOrService}' and no compose service '{nameOrService}' exists {scope}. "
                + "Check the name with `docker ps -a`, or set `project:` in backup.yml.");
        }

        var projects = candidates
            .Select(c => c.Labels?.GetValueOrDefault(ComposeProjectLabel))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (_project is null && projects.Count > 1)
        {
            throw new ArtifactFailedException(
                $"Compose service '{nameOrService}' exists in several projects ({string.Join(", ", projects)}). Set `project:` in backup.yml to choose one.");
        }

        // Replicas of one service hold the same data; the first is as good as any.
        var chosen = candidates.OrderBy(c => c.DisplayName, StringComparer.Ordinal).First();
        return await _docker.Containers.InspectAsync(chosen.Id, cancellationToken);
    }

    /// <summary>Resolves a database's container, which must be running: databases are dumped live, never started for it.</summary>
    public async Task<ContainerInspect> ResolveRunningDatabaseAsync(string nameOrService, CancellationToken cancellationToken)
    {
        var container = await ResolveAsync(nameOrService, cancellationToken);
        if (container.State is not { Running: true })
        {
            throw new ArtifactFailedException(
                $"Container {NameOf(container)} is not running ({container.State?.Status ?? "unknown"}). Databases are dumped from running containers: start it and run the job again.");
        }

        return container;
    }

    /// <summary>
    /// The container <paramref name="reference"/> is the name or id of, else null. The engine also finds a container by
    /// any unique prefix of its id, so a compose service named "db" found an unrelated container whose id began with
    /// "db": a reference is taken for an id only from the 12 characters `docker ps` shows.
    /// </summary>
    public static async Task<ContainerInspect?> TryInspectNamedAsync(IDockerEngine docker, string reference, CancellationToken cancellationToken)
    {
        var container = await docker.Containers.TryInspectAsync(reference, cancellationToken);
        return container is not null
            && (string.Equals(container.Name?.TrimStart('/'), reference, StringComparison.Ordinal)
                || (reference.Length >= ShortIdLength && container.Id.StartsWith(reference, StringComparison.OrdinalIgnoreCase)))
            ? container
            : null;
    }

    public static string NameOf(ContainerInspect container) =>
        container.Name?.TrimStart('/') ?? container.Id[..Math.Min(ShortIdLength, container.Id.Length)];
}
