using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;

namespace VolumeAgent.Swarm;

/// <summary>
/// Tells a stack's volume that a task left behind on this node, when Swarm moved the task to another node, from one
/// whose data nobody else has. Docker never removes a volume by itself, so after a move both nodes have a volume of
/// that name: the new node's is the one the task writes, this node's stays as the task left it, and backing up both
/// would store the service twice (and `JOB/latest` could be the stale one).
/// <para>
/// A volume counts as left behind only when every sign says so: it is a stack's volume (<see cref="SwarmNode.StackLabel"/>);
/// no container on this node uses it except ended (exited or dead) task containers; and for each slot those tasks held,
/// a manager's task list (<c>GET /tasks</c>) has a task of the same service and slot running on another node and none
/// meant to run here. A service scaled to 0 (no task running anywhere), a global service's task (slot 0: each node's
/// volume is its own data), a task Swarm no longer lists, or a worker (which cannot ask: the tasks API answers only on
/// managers, and a worker's ended task containers look the same whether the task moved or the service was scaled to 0
/// afterwards) keeps the volume backed up here: twice at worst, never missed.
/// </para>
/// </summary>
internal static class LeftBehindVolumes
{
    /// <summary>The id of the service a task container belongs to.</summary>
    public const string ServiceIdLabel = "com.docker.swarm.service.id";

    /// <summary>
    /// Throws <see cref="NotOnThisNodeException"/> when <paramref name="volume"/> is a copy a moved task left on this
    /// node (its message names the volume, the service and the node that runs it now); returns when it is to be backed up.
    /// </summary>
    /// <remarks>
    /// With <paramref name="marks"/>, the first run after a move still backs the volume up (once more, as the task left
    /// it: what it wrote after this node's last set is in no other), and the runs after one whose set holds it skip it.
    /// </remarks>
    public static async Task SkipIfLeftBehindAsync(
        IDockerEngine docker, SwarmNode node, string volume, ManifestSourceKind kind, LeftBehindMarks? marks, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(log);
        (string Reason, string Tasks)? found;
        try
        {
            found = await LeftBehindAsync(docker, node, volume, log, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            // A socket proxy without VOLUMES, TASKS or NODES, or a manager that just lost its quorum: not certain, so kept.
            log.ForEvent(LogEvents.SwarmVolumeMaybeLeftBehind).Information(
                "Whether volume {Volume} was left behind on this node ({Node}) by a task that moved is unknown ({Error}); it is backed up", volume, node.Name, ex.Message);
            return;
        }

        if (found is not { } left)
        {
            return;
        }

        if (marks is null || marks.IsStored(volume, left.Tasks))
        {
            throw new NotOnThisNodeException(left.Reason);
        }

        marks.Pend(kind, volume, left.Tasks);
        log.ForEvent(LogEvents.SwarmVolumeBackedUpOnceMore).Warning(
            "Volume {Volume} is backed up once more on this node ({Node}), as a task that moved away left it, and skipped by the runs after this one: {Reason}",
            volume, node.Name, left.Reason);
    }

    /// <summary>Why <paramref name="volume"/> is a copy a moved task left here and the ended tasks' ids, or null when it is in use.</summary>
    private static async Task<(string Reason, string Tasks)?> LeftBehindAsync(IDockerEngine docker, SwarmNode node, string volume, ILogger log, CancellationToken cancellationToken)
    {
        // Running, paused, restarting or just created: in use here. Only task containers can have moved. A volume
        // that is not here has no users either: the helper's creation says so.
        var users = await docker.Containers.ListUsingVolumeAsync(volume, cancellationToken);
        var ended = users.Where(c => c.State is "exited" or "dead").ToList();
        if (ended.Count < users.Count || ended.Count == 0 || !ended.TrueForAll(IsTask)
            || (await docker.Volumes.TryInspectAsync(volume, cancellationToken))?.Labels?.ContainsKey(SwarmNode.StackLabel) != true)
        {
            return null;
        }

        var services = ended
            .GroupBy(c => (Id: c.Labels![ServiceIdLabel], Name: c.Labels.GetValueOrDefault(SwarmNode.ServiceLabel) ?? c.Labels[ServiceIdLabel]))
            .ToList();
        if (!(await docker.GetInfoAsync(cancellationToken)).IsSwarmManager)
        {
            log.ForEvent(LogEvents.SwarmVolumeMaybeLeftBehind).Information(
                "Volume {Volume} is used by no running container on this node ({Node}), only by ended tasks of {Service}: if the task moved to another node, "
                + "this is the copy it left behind; a worker cannot ask where the service runs (only managers answer), so it is backed up",
                volume,
                node.Name,
                services[0].Key.Name);
            return null;
        }

        string? movedTo = null;
        foreach (var service in services)
        {
            var tasks = await docker.ListServiceTasksAsync(service.Key.Id, cancellationToken);
            if (MovedTo(tasks, service.Select(c => c.Labels![SwarmNode.TaskLabel]).ToList(), node.Id) is not { } nodeId)
            {
                return null;
            }

            movedTo ??= nodeId;
        }

        var name = services[0].Key.Name;
        var toName = await docker.GetNodeNameAsync(movedTo!, cancellationToken);
        var endedTasks = string.Join(",", ended.Select(c => c.Labels![SwarmNode.TaskLabel]).Order(StringComparer.Ordinal));
        return ($"Volume '{volume}' was left behind on this node ({node.Name}) by a task of {name} that moved to node {toName}, whose agent backs up the "
            + $"volume the task uses now; this node's set of the first run after the move holds the volume as the task left it. "
            + $"Remove it (`docker volume rm {volume}` on {node.Name}) once you no longer need it.", endedTasks);
    }

    /// <summary>
    /// The node another task of the same slots runs on, when every slot of <paramref name="endedTaskIds"/> has one there
    /// and none is meant to run on <paramref name="thisNode"/>; null otherwise (scaled to 0, a global service, a task not listed).
    /// </summary>
    public static string? MovedTo(IReadOnlyList<SwarmTask> tasks, IReadOnlyList<string> endedTaskIds, string thisNode)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(endedTaskIds);
        if (tasks.Any(t => t.NodeId == thisNode && t.DesiredState == "running"))
        {
            return null;
        }

        string? movedTo = null;
        foreach (var id in endedTaskIds)
        {
            if (tasks.FirstOrDefault(t => t.Id == id) is not { Slot: > 0 } ended
                || tasks.FirstOrDefault(t => t.Slot == ended.Slot && t.IsRunning && !string.IsNullOrEmpty(t.NodeId)) is not { } successor)
            {
                return null;
            }

            movedTo ??= successor.NodeId;
        }

        return movedTo;
    }

    private static bool IsTask(ContainerSummary container) =>
        container.Labels is { } labels && labels.ContainsKey(SwarmNode.TaskLabel) && labels.ContainsKey(ServiceIdLabel);
}
