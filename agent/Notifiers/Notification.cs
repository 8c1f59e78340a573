namespace VolumeAgent.Notifiers;

/// <summary>What a notification is about.</summary>
internal enum NotificationKind
{
    /// <summary>A run started: only ping targets hear of it (<c>&lt;url&gt;/start</c>).</summary>
    Started,
    Failure,
    Success,
    VerifyFailure,
    RetentionError,
    Missed,
}

/// <summary>
/// One thing to tell the targets, the same for every notifier: built from a run event (<see cref="NotificationBuilder"/>)
/// or by the daemon's missed-schedule check. Every notifier formats it its own way.
/// </summary>
internal sealed record Notification
{
    public required NotificationKind Kind { get; init; }

    public required string Job { get; init; }

    /// <summary>When it happened.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The run's id; null when there was no run (missed) or it ended before it had one.</summary>
    public string? RunId { get; init; }

    /// <summary><c>schedule</c>, <c>manual</c> or <c>drill</c>, for a run.</summary>
    public string? Trigger { get; init; }

    /// <summary><c>started</c>, <c>succeeded</c>, <c>failed</c>, <c>cancelled</c> or <c>missed</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The set's directory name; for a verification, <c>job/set</c>.</summary>
    public string? Set { get; init; }

    /// <summary>The storage a verification read; null for a run.</summary>
    public string? Storage { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public long RawBytes { get; init; }

    public long StoredBytes { get; init; }

    /// <summary>Every artifact of the run (or checked by the verification), failed ones with their error.</summary>
    public IReadOnlyList<NotificationArtifact> Artifacts { get; init; } = [];

    /// <summary>What went wrong, in the agent's words; null on success.</summary>
    public string? Error { get; init; }

    /// <summary>For <see cref="NotificationKind.Missed"/>: the job's <c>max_age</c> and its last success (null when unknown).</summary>
    public TimeSpan? MaxAge { get; init; }

    public DateTimeOffset? LastSuccessAt { get; init; }

    public TimeSpan? Duration => FinishedAt - StartedAt;

    public IEnumerable<NotificationArtifact> Failed => Artifacts.Where(a => !a.Succeeded);
}

/// <summary>One artifact as notifications show it.</summary>
internal sealed record NotificationArtifact
{
    /// <summary>The source's kind (<c>volume</c>, <c>postgres</c>, ...) and name as the job names it.</summary>
    public required string Source { get; init; }

    public string? File { get; init; }

    public required bool Succeeded { get; init; }

    public long RawBytes { get; init; }

    public long StoredBytes { get; init; }

    public long DurationMs { get; init; }

    public string? Error { get; init; }
}
