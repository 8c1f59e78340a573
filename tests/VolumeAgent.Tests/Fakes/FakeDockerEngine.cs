using System.Net;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Tests.Fakes;

/// <summary>
/// Stands in for the Docker engine in unit tests only (integration tests keep the real one): containers with a run
/// state, volumes and directories whose archive is a tar the test gives, and execs answered by the test's handlers.
/// Every call that changes or reads data is written to <see cref="Calls"/> in order ("stop app", "archive volume data",
/// "exec db: pg_dump ..."), so a test can check what happened when.
/// </summary>
internal sealed class FakeDockerEngine : IDockerEngine
{
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];

    public FakeDockerEngine()
    {
        Containers = new FakeContainers(this);
        Exec = new FakeExec(this);
        Volumes = new FakeVolumes(this);
        Images = new FakeImages(this);
    }

    public DockerEndpoint Endpoint { get; } = DockerEndpoint.Unix("/fake/docker.sock");

    public FakeContainers Containers { get; }

    public FakeExec Exec { get; }

    public FakeVolumes Volumes { get; }

    public FakeImages Images { get; }

    IContainerOperations IDockerEngine.Containers => Containers;

    IExecOperations IDockerEngine.Exec => Exec;

    IVolumeOperations IDockerEngine.Volumes => Volumes;

    IImageOperations IDockerEngine.Images => Images;

    /// <summary>What the agent asked of the engine, in order.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The tar the engine's archive API gives for a mount of this source (a volume's name or a host path).</summary>
    public Dictionary<string, byte[]> Archives { get; } = new(StringComparer.Ordinal);

    public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string> GetApiVersionAsync(CancellationToken cancellationToken) => Task.FromResult("1.41");

    public Task<EngineVersion> GetVersionAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new EngineVersion { Version = "20.10.0-fake", ApiVersion = "1.41", MinApiVersion = "1.12" });

    /// <summary>What <see cref="GetInfoAsync"/> answers: a host in no swarm unless a test says otherwise.</summary>
    public EngineInfo Info { get; set; } = new() { Name = "fake-host", SwarmNodeId = string.Empty, SwarmState = "inactive" };

    public Task<EngineInfo> GetInfoAsync(CancellationToken cancellationToken) => Task.FromResult(Info);

    /// <summary>What <see cref="ListServiceTasksAsync"/> answers, by service id; on an engine that is no manager (<see cref="EngineInfo.IsSwarmManager"/>) it refuses, as a worker does.</summary>
    public Dictionary<string, List<SwarmTask>> SwarmTasks { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, <see cref="ListServiceTasksAsync"/> is refused with this message (a socket proxy without TASKS).</summary>
    public string? TasksRefusal { get; set; }

    /// <summary>The host names of Swarm nodes, by id.</summary>
    public Dictionary<string, string> SwarmNodeNames { get; } = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<SwarmTask>> ListServiceTasksAsync(string serviceId, CancellationToken cancellationToken)
    {
        Record($"list tasks {serviceId}");
        if (!Info.IsSwarmManager)
        {
            throw new DockerApiException($"list the tasks of Swarm service {serviceId}", HttpStatusCode.ServiceUnavailable, "This node is not a swarm manager.");
        }

        if (TasksRefusal is { } refusal)
        {
            throw new DockerApiException($"list the tasks of Swarm service {serviceId}", HttpStatusCode.Forbidden, refusal);
        }

        return Task.FromResult<IReadOnlyList<SwarmTask>>([.. SwarmTasks.GetValueOrDefault(serviceId) ?? []]);
    }

    public Task<string> GetNodeNameAsync(string nodeId, CancellationToken cancellationToken) =>
        Task.FromResult(SwarmNodeNames.GetValueOrDefault(nodeId) ?? nodeId);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A volume with the files of <paramref name="tar"/>.</summary>
    public void AddVolume(string name, byte[] tar)
    {
        Volumes.Add(name);
        Archives[name] = tar;
    }

    internal void Record(string call)
    {
        lock (_gate)
        {
            _calls.Add(call);
        }
    }

    internal static DockerApiException NotFound(string operation, string what) =>
        new(operation, HttpStatusCode.NotFound, $"No such {what}");
}
