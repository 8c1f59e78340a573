using Serilog;
using Serilog.Core;
using VolumeAgent.Docker.Models;
using Lib = Docker.DotNet.Models;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// The agent's engine on Docker.DotNet.Enhanced (the client Testcontainers maintains), over its Unix socket transport
/// or plain tcp. Opened through <see cref="DockerEngine.FromEnvironment"/>; code outside <c>Docker/</c> sees it as an
/// <see cref="IDockerEngine"/>. What the library does not do is added here: the API-version negotiation and minimum
/// check (<see cref="ApiVersion"/>), retries of idempotent calls, errors that name the object and the fix
/// (<see cref="EngineErrors"/>), stdout split from stderr (<see cref="StdoutStream"/>) and stoppable execs
/// (<see cref="ExecStopper"/>).
/// </summary>
internal sealed class LibraryEngine : IDockerEngine, IDisposable
{
    private readonly EngineConnection _engine;

    /// <param name="log">Where the engine reports what it cannot throw (a stop that failed while an exec was disposed).</param>
    public LibraryEngine(DockerEndpoint endpoint, EngineOptions? options = null, ILogger? log = null)
    {
        _engine = new EngineConnection(endpoint, options ?? new EngineOptions());
        Containers = new ContainerOperations(_engine);
        Exec = new ExecOperations(_engine, Containers, log ?? Logger.None);
        Volumes = new VolumeOperations(_engine);
        Images = new ImageOperations(_engine);
    }

    public DockerEndpoint Endpoint => _engine.Endpoint;

    public ContainerOperations Containers { get; }

    public ExecOperations Exec { get; }

    public VolumeOperations Volumes { get; }

    public ImageOperations Images { get; }

    IContainerOperations IDockerEngine.Containers => Containers;

    IExecOperations IDockerEngine.Exec => Exec;

    IVolumeOperations IDockerEngine.Volumes => Volumes;

    IImageOperations IDockerEngine.Images => Images;

    /// <summary>Asks the engine whether it is there (unversioned); throws <see cref="DockerUnavailableException"/> when not.</summary>
    public Task PingAsync(CancellationToken cancellationToken) =>
        _engine.CallUnversionedAsync(
            "ping the engine",
            async (c, ct) =>
            {
                await c.System.PingAsync(ct);
                return true;
            },
            cancellationToken);

    public Task<string> GetApiVersionAsync(CancellationToken cancellationToken) => _engine.GetApiVersionAsync(cancellationToken);

    /// <summary>The engine's version, asked in the negotiated API version (so an engine too old fails here, saying to upgrade).</summary>
    public async Task<EngineVersion> GetVersionAsync(CancellationToken cancellationToken) =>
        ModelMapping.FromLibrary(await _engine.CallAsync(
            "read the engine version", idempotent: true, (c, ct) => c.System.GetVersionAsync(ct), cancellationToken));

    public async Task<EngineInfo> GetInfoAsync(CancellationToken cancellationToken) =>
        ModelMapping.FromLibrary(await _engine.CallAsync(
            "read the engine's system information", idempotent: true, (c, ct) => c.System.GetSystemInfoAsync(ct), cancellationToken));

    public async Task<IReadOnlyList<SwarmTask>> ListServiceTasksAsync(string serviceId, CancellationToken cancellationToken)
    {
        var filters = ModelMapping.Filters(null, ("service", serviceId));
        var tasks = await _engine.CallAsync(
            $"list the tasks of Swarm service {serviceId}",
            idempotent: true,
            (c, ct) => c.Tasks.ListAsync(new Lib.TasksListParameters { Filters = filters }, ct),
            cancellationToken);

        // The filter also takes a name or an id's prefix: only the service's own tasks count.
        return [.. tasks.Where(t => t.ServiceID == serviceId).Select(ModelMapping.FromLibrary)];
    }

    public async Task<string> GetNodeNameAsync(string nodeId, CancellationToken cancellationToken)
    {
        var node = await _engine.CallAsync(
            $"inspect Swarm node {nodeId}", idempotent: true, (c, ct) => c.Swarm.InspectNodeAsync(nodeId, ct), cancellationToken);
        return node.Description?.Hostname is { Length: > 0 } name ? name : nodeId;
    }

    public void Dispose() => _engine.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
