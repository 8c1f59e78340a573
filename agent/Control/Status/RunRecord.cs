using System.Text.Json.Serialization;
using VolumeAgent.Operations;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Control.Status;

/// <summary>How a job's last run went, as the daemon remembers it (status.json) or a storage's newest set tells.</summary>
internal sealed record RunRecord
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>A set without a manifest: the run is still going, or died without finishing.</summary>
    public const string Incomplete = "incomplete";

    public required string RunId { get; init; }

    /// <summary><c>schedule</c>, <c>manual</c> or <c>drill</c>; null when unknown (a set without a manifest).</summary>
    public string? Trigger { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary><see cref="Succeeded"/>, <see cref="Failed"/> or <see cref="Incomplete"/>.</summary>
    public required string Status { get; init; }

    /// <summary>The tag the run was asked with (the HTTP API's <c>tag</c>), or null.</summary>
    public string? Tag { get; init; }

    /// <summary>Bytes the sources gave, before compression.</summary>
    public long RawBytes { get; init; }

    public long StoredBytes { get; init; }

    public int Artifacts { get; init; }

    public int FailedArtifacts { get; init; }

    /// <summary>The set's directory name in the job's storages.</summary>
    public string? Set { get; init; }

    public string? Error { get; init; }

    /// <summary>True unless the run succeeded: a failed or incomplete run is what health reports.</summary>
    [JsonIgnore]
    public bool IsFailure => Status != Succeeded;

    [JsonIgnore]
    public TimeSpan? Duration => FinishedAt - StartedAt;

    public static RunRecord From(RunResult result, ManifestTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new RunRecord
        {
            RunId = result.RunId.ToString(),
            Trigger = TriggerText(trigger),
            Tag = result.Tag,
            StartedAt = result.StartedAt,
            FinishedAt = result.FinishedAt,
            Status = result.Succeeded ? Succeeded : Failed,
            RawBytes = result.Artifacts.Sum(a => a.RawBytes),
            StoredBytes = result.Artifacts.Sum(a => a.StoredBytes),
            Artifacts = result.Artifacts.Count,
            FailedArtifacts = result.Artifacts.Count(a => a.Status != ManifestStatus.Succeeded),
            Set = result.SetName,
            Error = result.Error,
        };
    }

    /// <summary>A run that ended without a result: cancelled by a shutdown, or stopped by an error before its manifest.</summary>
    public static RunRecord Aborted(ManifestTrigger trigger, DateTimeOffset startedAt, DateTimeOffset finishedAt, string error) => new()
    {
        RunId = "-",
        Trigger = TriggerText(trigger),
        StartedAt = startedAt,
        FinishedAt = finishedAt,
        Status = Failed,
        Error = error,
    };

    public static RunRecord From(BackupSetInfo set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var manifest = set.Manifest;
        return new RunRecord
        {
            RunId = set.RunId.ToString(),
            Trigger = manifest is null ? null : TriggerText(manifest.Trigger),
            Tag = manifest?.Tag,
            StartedAt = set.StartedAt,
            FinishedAt = manifest?.FinishedAt,
            Status = set.State != BackupSetState.Complete || manifest is null
                ? Incomplete
                : manifest.Status == ManifestStatus.Succeeded ? Succeeded : Failed,
            RawBytes = manifest?.Artifacts.Sum(a => a.RawBytes) ?? 0,
            StoredBytes = set.TotalStoredBytes,
            Artifacts = set.ArtifactCount,
            FailedArtifacts = manifest?.Artifacts.Count(a => a.Status != ManifestStatus.Succeeded) ?? 0,
            Set = set.DirectoryName,
            Error = manifest?.Error ?? set.Problem,
        };
    }

    public static string TriggerText(ManifestTrigger trigger) => RunTriggers.Text(trigger);
}
