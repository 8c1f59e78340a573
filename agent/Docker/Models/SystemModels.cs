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
