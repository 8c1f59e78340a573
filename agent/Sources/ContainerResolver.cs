using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Sources;

/// <summary>
/// Finds a container by its name or, failing that, as a compose service of the project (the labels compose
/// sets: com.docker.compose.project / .service).
/// </summary>
internal sealed class ContainerResolver
{
    public const string ComposeProjectLabel = "com.docker.compose.project";
    public const string ComposeServiceLabel = "com.docker.compose.service";
    private readonly IDockerEngine _docker;
    private readonly string? _project;

    public ContainerResolver(IDockerEngine docker, string? project)
    {
        _docker = docker;
        _project = project;
    }

    public string? Project => _project;

    /// <summary>
    /// The compose project the agent itself belongs to, read from its own container's labels, when it runs
    /// in a container (HOSTNAME is the container id's prefix there) and backup.yml names none.
    /// </summary>
    public static async Task<string?> DetectOwnProjectAsync(IDockerEngine docker, CancellationToken cancellationToken)
    {
        var hostname = Environment.GetEnvironmentVariable("HOSTNAME") ?? System.Net.Dns.GetHostName();
        if (string.IsNullOrEmpty(hostname) || !File.Exists("/.dockerenv"))
        {
            return null;
        }

        var self = await docker.Containers.TryInspectAsync(hostname, cancellationToken);
        return self?.Config?.Labels?.GetValueOrDefault(ComposeProjectLabel);
    }

    public async Task<ContainerInspect> ResolveAsync(string nameOrService, CancellationToken cancellationToken)
    {
        var byName = await _docker.Containers.TryInspectAsync(nameOrService, cancellationToken);
        if (byName is not null)
        {
            return byName;
        }

        var labels = new Dictionary<string, string?> { [ComposeServiceLabel] = nameOrService };
        if (_project is not null)
        {
            labels[ComposeProjectLabel] = _project;
        }

        var matches = await _docker.Containers.ListAsync(cancellationToken, all: true, labels: labels);
        var running = matches.Where(c => c.State == "running").ToList();
        var candidates = running.Count > 0 ? running : matches.ToList();
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

    public static string NameOf(ContainerInspect container) =>
        container.Name?.TrimStart('/') ?? container.Id[..Math.Min(12, container.Id.Length)];
}
