using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Policy;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Runs.Stops;
using VolumeAgent.Swarm;

namespace VolumeAgent.Runs;

/// <summary>
/// What a process needs to run jobs: the engines (the default one checked to answer), its own instance lock, the
/// stores, and a runner. Opening one sweeps what crashed processes left behind, on every engine that answers.
/// </summary>
internal sealed class AgentSession : IAsyncDisposable
{
    private AgentSession(
        BackupPolicy policy, EngineRegistry engines, AgentInstance instance, IReadOnlyDictionary<string, IBackupStore> stores, ContainerResolver containers, JobRunner runner, ILogger log)
    {
        Policy = policy;
        Engines = engines;
        Docker = engines.Default;
        Instance = instance;
        Stores = stores;
        Containers = containers;
        Runner = runner;
        Log = log;
    }

    public BackupPolicy Policy { get; }

    /// <summary>The default engine (DOCKER_HOST's).</summary>
    public IDockerEngine Docker { get; }

    /// <summary>Every engine: the default and backup.yml's <c>engines</c>.</summary>
    public EngineRegistry Engines { get; }

    public AgentInstance Instance { get; }

    public IReadOnlyDictionary<string, IBackupStore> Stores { get; }

    /// <summary>Finds containers by name or by compose service of the project (backup.yml's, else the agent's own).</summary>
    public ContainerResolver Containers { get; }

    public JobRunner Runner { get; }

    public ILogger Log { get; }

    /// <summary>
    /// Opens the stores the policy names; an unsupported store type fails here, before anything runs. With a Swarm
    /// <paramref name="node"/> (its storage name), the sets this process writes go under <c>&lt;job&gt;@&lt;node&gt;</c>;
    /// every store lists the sets of every node.
    /// </summary>
    public static IReadOnlyDictionary<string, IBackupStore> OpenStores(BackupPolicy policy, string? node = null) =>
        policy.Storage.Values.ToDictionary(s => s.Name, s => StoreFactory.Create(s, node), StringComparer.Ordinal);

    public static async Task<AgentSession> OpenAsync(BackupPolicy policy, ILogger log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var stores = OpenStores(policy);
        var engines = EngineRegistry.Create(policy.Engines, log);
        AgentInstance? instance = null;
        try
        {
            var docker = engines.Default;
            await docker.PingAsync(cancellationToken);
            instance = AgentInstance.Acquire(policy.StateDir);
            await StopRecovery.RecoverAsync(engines, policy.StateDir, time, log, cancellationToken);
            var swept = await LeftoverSweeper.SweepAsync(engines, policy.StateDir, log, cancellationToken);
            if (swept > 0)
            {
                log.ForEvent(LogEvents.LeftoversRemoved).Information("Removed {Count} object(s) interrupted runs left behind", swept);
            }

            var self = await ContainerResolver.InspectSelfAsync(docker, cancellationToken);
            var node = await SwarmNode.DetectAsync(docker, self, cancellationToken);
            if (node is not null)
            {
                log.ForEvent(LogEvents.SwarmNodeDetected).Information(
                    "Running as a Swarm task on node {Node} ({NodeId}); this node's sets are stored under <job>@{StorageName}", node.Name, node.Id, node.StorageName);
                stores = OpenStores(policy, node.StorageName);
            }

            var project = policy.Project ?? ContainerResolver.ProjectOf(self);
            var containers = new ContainerResolver(docker, project, node);
            var runner = new JobRunner(docker, policy, stores, instance, containers, time, log, engines);
            return new AgentSession(policy, engines, instance, stores, containers, runner, log);
        }
        catch
        {
            instance?.Dispose();
            await engines.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Instance.Dispose();
        await Engines.DisposeAsync();
    }
}
