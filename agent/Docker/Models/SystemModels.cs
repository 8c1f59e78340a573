using System.Text.Json.Serialization;

namespace VolumeAgent.Docker.Models;

internal sealed class EngineVersion
{
    public string? Version { get; init; }

    public string? ApiVersion { get; init; }

    [JsonPropertyName("MinAPIVersion")]
    public string? MinApiVersion { get; init; }

    public string? Os { get; init; }

    public string? Arch { get; init; }

    public string? KernelVersion { get; init; }

    public string? GitCommit { get; init; }
}

/// <summary>What <c>GET /info</c> says about the engine's host and its Swarm membership (what the agent reads of it).</summary>
internal sealed class EngineInfo
{
    /// <summary>The host's name (in a swarm, the node's hostname as <c>docker node ls</c> shows it).</summary>
    public string? Name { get; init; }

    /// <summary>This node's id in the swarm; empty when the engine is in none.</summary>
    public string? SwarmNodeId { get; init; }

    /// <summary><c>inactive</c>, <c>pending</c>, <c>active</c>, <c>error</c> or <c>locked</c>.</summary>
    public string? SwarmState { get; init; }

    /// <summary>True on a swarm manager (the services API answers only there).</summary>
    public bool IsSwarmManager { get; init; }
}

internal sealed class ErrorResponse
{
    [JsonPropertyName("message")]
    public string? Message { get; init; }
}

/// <summary>One line of a streamed JSON progress answer (image pull).</summary>
internal sealed class ProgressMessage
{
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    [JsonPropertyName("status")]
    public string? Status { get; init; }

    [JsonPropertyName("progress")]
    public string? Progress { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("errorDetail")]
    public ErrorResponse? ErrorDetail { get; init; }
}
