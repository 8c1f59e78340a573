using System.Text.Json.Serialization;

namespace VolumeAgent.Control.Status;

/// <summary>A run the daemon has going now.</summary>
internal sealed record RunningRun
{
    /// <summary><c>schedule</c> or <c>manual</c>.</summary>
    public required string Trigger { get; init; }

    public required DateTimeOffset Since { get; init; }

    /// <summary>When the run last moved: a byte read from a source or written to a storage, or a step begun.</summary>
    public DateTimeOffset? LastProgressAt { get; init; }

    /// <summary>How long the run may go without progress before health reports it stalled: the job's stall_timeout (longer while hooks run).</summary>
    public long? StallTimeoutSeconds { get; init; }

    /// <summary>What the run is doing, e.g. <c>pg_dump of database 'app' in container db</c>.</summary>
    public string? Step { get; init; }

    /// <summary>How long the run has gone without progress at <paramref name="now"/>, when it has gone longer than its stall timeout.</summary>
    public TimeSpan? StalledFor(DateTimeOffset now) =>
        LastProgressAt is { } last && StallTimeoutSeconds is { } limit && now - last > TimeSpan.FromSeconds(limit) ? now - last : null;

    [JsonIgnore]
    public TimeSpan? StallTimeout => StallTimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
}
