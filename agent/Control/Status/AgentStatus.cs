namespace VolumeAgent.Control.Status;

/// <summary>
/// What <c>volume-agent status</c> shows: from the daemon (its memory and schedules), or, without one, from the
/// storages' newest sets and schedules computed locally.
/// </summary>
internal sealed record AgentStatus
{
    /// <summary>True when a daemon answered; false when the report was made from the storages.</summary>
    public required bool DaemonRunning { get; init; }

    public string? AgentVersion { get; init; }

    public DateTimeOffset? DaemonStartedAt { get; init; }

    /// <summary>The daemon reached the Docker engine and can run jobs.</summary>
    public bool EngineConnected { get; init; }

    /// <summary>The Swarm node whose runs a daemon running as a Swarm task reports; null otherwise.</summary>
    public string? Node { get; init; }

    /// <summary>The policy's time zone (IANA id): times are shown in it.</summary>
    public string? TimeZone { get; init; }

    public required DateTimeOffset GeneratedAt { get; init; }

    public required IReadOnlyList<JobStatus> Jobs { get; init; }

    /// <summary>
    /// Notifications each <c>notify</c> target could not take since the daemon started (given up after retries, or
    /// dropped), by target name; null without a daemon or without targets.
    /// </summary>
    public IReadOnlyDictionary<string, long>? NotificationFailures { get; init; }
}
