using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Swarm;

/// <summary>
/// The Swarm node an agent runs on, known when the agent itself runs as a task of a Swarm service (the stack file's
/// <c>mode: global</c> service): its id (what task containers carry in <see cref="NodeLabel"/>), its name (what
/// <c>docker node ls</c> shows, and what sets are stored under) and the stack the agent was deployed in. Only then
/// does a service with no task here count as another node's, and do sets go under <c>&lt;job&gt;@&lt;node&gt;</c>; an
/// agent run as a plain container or on the host behaves as on a single host, swarm or not.
/// </summary>
internal sealed record SwarmNode(string Id, string Name, string? StackNamespace)
{
    /// <summary>The service a task container belongs to (e.g. <c>mystack_db</c>).</summary>
    public const string ServiceLabel = "com.docker.swarm.service.name";

    /// <summary>The id of the node a task container runs on.</summary>
    public const string NodeLabel = "com.docker.swarm.node.id";

    /// <summary>The task a container runs; set only on Swarm task containers.</summary>
    public const string TaskLabel = "com.docker.swarm.task.id";

    /// <summary>The stack (<c>docker stack deploy … NAME</c>) a service belongs to.</summary>
    public const string StackLabel = "com.docker.stack.namespace";

    /// <summary>The node name as it goes into storage (<c>&lt;job&gt;@&lt;node&gt;</c>): characters a set path may not hold become '-'.</summary>
    public string StorageName => Manifest.Sets.BackupSetLayout.ToNodeName(Name);

    /// <summary>
    /// The node, when <paramref name="self"/> (the agent's own container, null outside one) is a Swarm task; else null.
    /// Asks the engine's <c>GET /info</c> for the node's id and name.
    /// </summary>
    public static async Task<SwarmNode?> DetectAsync(IDockerEngine docker, ContainerInspect? self, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var labels = self?.Config?.Labels;
        if (labels is null || !labels.ContainsKey(TaskLabel))
        {
            return null;
        }

        var info = await docker.GetInfoAsync(cancellationToken);
        if (string.IsNullOrEmpty(info.SwarmNodeId) || string.IsNullOrEmpty(info.Name))
        {
            throw new InvalidOperationException(
                $"The agent runs as a Swarm task (container {self!.Name?.TrimStart('/')}), but the engine at {docker.Endpoint} reports no Swarm node "
                + $"(state '{info.SwarmState}'). Mount the node's own Docker socket into the agent service.");
        }

        return new SwarmNode(info.SwarmNodeId, info.Name, labels.GetValueOrDefault(StackLabel));
    }

    /// <summary>True for a container Swarm runs as a service's task: stopping it makes Swarm replace it.</summary>
    public static bool IsTask(ContainerInspect container) =>
        container.Config?.Labels?.ContainsKey(TaskLabel) == true;

    /// <summary>The service of a task container, or null.</summary>
    public static string? ServiceOf(ContainerInspect container) =>
        container.Config?.Labels?.GetValueOrDefault(ServiceLabel);
}
