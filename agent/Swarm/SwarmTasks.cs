using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Swarm;

/// <summary>
/// Finds the task of a Swarm service running on this node: a running (or paused) container whose
/// <see cref="SwarmNode.ServiceLabel"/> is the service and whose <see cref="SwarmNode.NodeLabel"/> is this node's id
/// (from <c>GET /info</c>). Exited containers of earlier tasks (Swarm keeps a few as history) never count: a task that
/// moved to another node leaves one behind here. The service is named as Swarm names it (<c>mystack_db</c>) or, within
/// the stack of <c>project:</c> (or the agent's own stack), by its name in the stack file (<c>db</c>).
/// </summary>
internal sealed class SwarmTasks
{
    private readonly IDockerEngine _docker;
    private readonly string? _stack;
    private string? _nodeId;

    public SwarmTasks(IDockerEngine docker, string? stack, SwarmNode? node)
    {
        _docker = docker;
        _stack = stack;
        _nodeId = node?.Id;
    }

    /// <summary>The service's task container on this node, inspected; null when this node runs no task of it.</summary>
    public async Task<ContainerInspect?> FindLocalTaskAsync(string service, CancellationToken cancellationToken)
    {
        foreach (var name in CandidateNames(service))
        {
            var labels = new Dictionary<string, string?> { [SwarmNode.ServiceLabel] = name };
            var tasks = (await _docker.Containers.ListAsync(cancellationToken, all: true, labels: labels))
                .Where(c => c.State is "running" or "paused")
                .ToList();
            if (tasks.Count == 0)
            {
                continue;
            }

            var nodeId = await NodeIdAsync(cancellationToken);
            var local = tasks
                .Where(c => string.Equals(c.Labels?.GetValueOrDefault(SwarmNode.NodeLabel), nodeId, StringComparison.Ordinal))
                .OrderBy(c => c.DisplayName, StringComparer.Ordinal)
                .FirstOrDefault();
            if (local is not null)
            {
                // Replicas of one service on one node hold the same data; the first by name is as good as any.
                return await _docker.Containers.InspectAsync(local.Id, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>The names a service may be meant by: as written, and within the stack when one is known.</summary>
    public IEnumerable<string> CandidateNames(string service)
    {
        yield return service;
        if (_stack is not null && !service.StartsWith(_stack + "_", StringComparison.Ordinal))
        {
            yield return _stack + "_" + service;
        }
    }

    private async Task<string> NodeIdAsync(CancellationToken cancellationToken)
    {
        if (_nodeId is null)
        {
            var info = await _docker.GetInfoAsync(cancellationToken);
            _nodeId = info.SwarmNodeId ?? string.Empty;
        }

        return _nodeId;
    }
}
