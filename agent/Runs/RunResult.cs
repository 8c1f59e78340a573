using VolumeAgent.Retention;
using VolumeAgent.Manifest;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>How one run of a job went: what its manifest says, and where the set is.</summary>
internal sealed record RunResult
{
    public required string Job { get; init; }

    public required RunId RunId { get; init; }

    /// <summary>The tag the run was asked with (e.g. by the HTTP API: <c>gallery-42</c>); null for most runs.</summary>
    public string? Tag { get; init; }

    public required ManifestStatus Status { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>The set's directory name inside each storage, e.g. 20260321T020000Z-1a2b3c4d.</summary>
    public required string SetName { get; init; }

    public required IReadOnlyList<ManifestArtifact> Artifacts { get; init; }

    public string? Error { get; init; }

    /// <summary>What the job's retention decided in each storage (by storage name) after a successful run; empty when it did not run.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<RetentionDecision>> Retention { get; init; } =
        new Dictionary<string, IReadOnlyList<RetentionDecision>>(StringComparer.Ordinal);

    /// <summary>The storages that stalled in this run and were given up for the rest of it (nothing after the run's sources waits on them).</summary>
    public IReadOnlyList<string> StalledStorages { get; init; } = [];

    public bool Succeeded => Status == ManifestStatus.Succeeded;

    /// <summary>A run that failed before it touched anything: no set was written.</summary>
    public static RunResult NotStarted(string job, RunId runId, DateTimeOffset started, DateTimeOffset finished, string error) => new()
    {
        Job = job,
        RunId = runId,
        Status = ManifestStatus.Failed,
        StartedAt = started,
        FinishedAt = finished,
        SetName = string.Empty,
        Artifacts = [],
        Error = error,
    };
}
