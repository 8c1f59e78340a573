using VolumeAgent.Restore;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Operations;

/// <summary>
/// Something that happened to a run of a job or to a verification of a set, as <see cref="RunService"/> tells its
/// subscribers (<see cref="IRunSubscriber"/>). A run publishes <see cref="RunStarted"/>, one
/// <see cref="ArtifactFinished"/> per artifact, <see cref="RetentionApplied"/> per storage it pruned, then
/// <see cref="RunEnded"/>, always; a run that could not take the job's lock publishes <see cref="RunWaiting"/>
/// (then runs) or <see cref="RunSkipped"/> (and ends there). A verification publishes
/// <see cref="VerificationStarted"/> then <see cref="VerificationEnded"/>.
/// </summary>
internal abstract record RunEvent
{
    public required string Job { get; init; }

    /// <summary>When it happened, on the service's clock.</summary>
    public required DateTimeOffset At { get; init; }
}

/// <summary>The run holds the job's lock and starts now.</summary>
internal sealed record RunStarted : RunEvent
{
    public required ManifestTrigger Trigger { get; init; }

    /// <summary>The run's progress as it goes (the step it is in, when it last moved), for status and health.</summary>
    public required RunActivity Activity { get; init; }
}

/// <summary>Another run holds the job's lock; this one waits for it, then starts (a run-now through the daemon).</summary>
internal sealed record RunWaiting : RunEvent
{
    public required ManifestTrigger Trigger { get; init; }

    /// <summary>Which run holds the lock, e.g. "a schedule run started 2026-03-29 02:00:00Z" or "in another agent process".</summary>
    public required string HeldBy { get; init; }
}

/// <summary>
/// The run did not start because a run of the job was going on: another run holds the job's lock, or the scheduler
/// found its own previous run of the job still going.
/// </summary>
internal sealed record RunSkipped : RunEvent
{
    public required ManifestTrigger Trigger { get; init; }

    /// <summary>The time the run was meant for (a scheduled firing's instant, or when it was asked for).</summary>
    public required DateTimeOffset ScheduledFor { get; init; }
}

/// <summary>One artifact is written (or failed), in the order the run made them.</summary>
internal sealed record ArtifactFinished : RunEvent
{
    public required ManifestArtifact Artifact { get; init; }
}

/// <summary>The job's retention ran on one storage after a successful run.</summary>
internal sealed record RetentionApplied : RunEvent
{
    public required string Storage { get; init; }

    /// <summary>The sets (directory names) a rule keeps.</summary>
    public required IReadOnlyList<string> Kept { get; init; }

    /// <summary>The sets deleted because no rule keeps them.</summary>
    public required IReadOnlyList<string> Pruned { get; init; }
}

/// <summary>The run is over: with its result, or without one when it was cancelled or stopped by an error.</summary>
internal sealed record RunEnded : RunEvent
{
    public required ManifestTrigger Trigger { get; init; }

    /// <summary>The run's id (the result's, when there is one; the run had it from its start).</summary>
    public RunId? RunId { get; init; }

    /// <summary>The tag the run was asked with, or null.</summary>
    public string? Tag { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>What the run's manifest says; null when the run ended without one (<see cref="Error"/> says why).</summary>
    public RunResult? Result { get; init; }

    /// <summary>The run's error: the result's, or why it ended without a result.</summary>
    public string? Error { get; init; }

    /// <summary>The exception that ended the run without a result; null when it has a result or was cancelled.</summary>
    public Exception? Failure { get; init; }

    /// <summary>True when the run ended because its token was cancelled (shutdown, the client went away, Ctrl+C).</summary>
    public bool Cancelled { get; init; }

    public bool Succeeded => Result is { Succeeded: true };
}

/// <summary>A copy of a set in one storage is about to be checked (or drilled).</summary>
internal sealed record VerificationStarted : RunEvent
{
    public required StoredSet Set { get; init; }

    public required bool Drill { get; init; }
}

/// <summary>A copy of a set has been checked (or drilled); the result says how it went.</summary>
internal sealed record VerificationEnded : RunEvent
{
    public required StoredSet Set { get; init; }

    public required bool Drill { get; init; }

    public required VerificationResult Result { get; init; }
}
