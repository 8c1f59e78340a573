using System.Text.Json.Serialization;

namespace VolumeAgent.Notifiers.Webhook;

/// <summary>The JSON body a webhook target receives (snake_case; absent values are left out).</summary>
internal sealed record WebhookPayload
{
    /// <summary><c>failure</c>, <c>success</c>, <c>verify_failure</c>, <c>retention_error</c> or <c>missed</c>.</summary>
    public required string Event { get; init; }

    public required string Job { get; init; }

    public string? RunId { get; init; }

    public required string Status { get; init; }

    public string? Trigger { get; init; }

    public string? Set { get; init; }

    public string? Storage { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public double? DurationSeconds { get; init; }

    public long RawBytes { get; init; }

    public long StoredBytes { get; init; }

    public string? Error { get; init; }

    public required IReadOnlyList<WebhookArtifact> Artifacts { get; init; }

    /// <summary>The artifacts that failed, with their errors (also in <see cref="Artifacts"/>).</summary>
    public required IReadOnlyList<WebhookArtifact> FailedArtifacts { get; init; }

    public long? MaxAgeSeconds { get; init; }

    public DateTimeOffset? LastSuccessAt { get; init; }

    public required DateTimeOffset At { get; init; }

    public required string AgentVersion { get; init; }

    /// <summary>The notification as one line of text, as chat and ntfy targets get it.</summary>
    public required string Summary { get; init; }
}

internal sealed record WebhookArtifact
{
    public required string Source { get; init; }

    public string? File { get; init; }

    /// <summary><c>succeeded</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }

    public long RawBytes { get; init; }

    public long StoredBytes { get; init; }

    public long DurationMs { get; init; }

    public string? Error { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WebhookPayload))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
