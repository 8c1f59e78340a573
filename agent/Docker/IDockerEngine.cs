using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker;

/// <summary>
/// The Docker engine as the agent uses it, and the only way code outside <c>Docker/</c> reaches one. The operations
/// are grouped as the engine's API groups them; streams are handed out as streams, never buffered, and every failure
/// the engine reports is a <see cref="DockerApiException"/> (an engine that does not answer:
/// <see cref="DockerUnavailableException"/>). <see cref="DockerEngine.FromEnvironment"/> opens the real one.
/// </summary>
internal interface IDockerEngine : IAsyncDisposable
{
    /// <summary>Where the engine is (DOCKER_HOST or the default socket), for messages.</summary>
    DockerEndpoint Endpoint { get; }

    IContainerOperations Containers { get; }

    IExecOperations Exec { get; }

    IVolumeOperations Volumes { get; }

    IImageOperations Images { get; }

    /// <summary>Asks the engine whether it is there; throws <see cref="DockerUnavailableException"/> when not.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>The API version requests are made in: the engine's own when older than the agent's, else the agent's.</summary>
    Task<string> GetApiVersionAsync(CancellationToken cancellationToken);

    Task<EngineVersion> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>The engine's host name and Swarm membership (<c>GET /info</c>).</summary>
    Task<EngineInfo> GetInfoAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The tasks of the Swarm service with the id <paramref name="serviceId"/>, its history included (<c>GET /tasks</c>).
    /// Only a manager answers: elsewhere a <see cref="DockerApiException"/> (503, "not a swarm manager").
    /// </summary>
    Task<IReadOnlyList<SwarmTask>> ListServiceTasksAsync(string serviceId, CancellationToken cancellationToken);

    /// <summary>A Swarm node's host name, as <c>docker node ls</c> shows it (<c>GET /nodes/{id}</c>, on a manager only).</summary>
    Task<string> GetNodeNameAsync(string nodeId, CancellationToken cancellationToken);
}
