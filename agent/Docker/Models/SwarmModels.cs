namespace VolumeAgent.Docker.Models;

/// <summary>
/// One task of a Swarm service as a manager's <c>GET /tasks</c> lists it (what the agent reads of it): where it runs,
/// what Swarm wants of it and what it does. Swarm keeps a few ended tasks per slot as history, with their containers.
/// </summary>
internal sealed record SwarmTask
{
    public required string Id { get; init; }

    /// <summary>The node the task is (or was) assigned to; empty while it waits for one.</summary>
    public string? NodeId { get; init; }

    /// <summary>The replica number of a replicated service's task; 0 for a global service's, which is known by its node.</summary>
    public long Slot { get; init; }

    /// <summary>What Swarm wants of it: <c>running</c>, or <c>shutdown</c> for an ended or replaced one (lowercase, as the API says).</summary>
    public string? DesiredState { get; init; }

    /// <summary>What it does: <c>running</c>, <c>shutdown</c>, <c>failed</c>, <c>pending</c>… (lowercase, as the API says).</summary>
    public string? State { get; init; }

    /// <summary>Running on a node, and meant to.</summary>
    public bool IsRunning => DesiredState == "running" && State == "running";
}
