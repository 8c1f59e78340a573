using VolumeAgent.Control.Status;
using VolumeAgent.Presentation;
using System.Globalization;
using VolumeAgent.Manifest;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Control.Protocol;

/// <summary>
/// One line of the daemon's answer. A flat record: each <see cref="Type"/> fills the members it needs and the
/// others are left out of the JSON, e.g. <c>{"type":"artifact","job":"nightly","file":"volume-data.tar.gz",...}</c>.
/// </summary>
internal sealed record ControlEvent
{
    /// <summary>One of <see cref="ControlEventTypes"/>.</summary>
    public required string Type { get; init; }

    public DateTimeOffset? Time { get; init; }

    /// <summary>Log level of a <c>log</c> event: verbose, debug, information, warning, error, fatal.</summary>
    public string? Level { get; init; }

    public string? Job { get; init; }

    public string? RunId { get; init; }

    /// <summary>The text of a <c>log</c>, <c>message</c> or <c>error</c> event.</summary>
    public string? Message { get; init; }

    /// <summary>The artifact's file name; null when its source failed before producing one.</summary>
    public string? File { get; init; }

    public string? Source { get; init; }

    /// <summary><c>succeeded</c> or <c>failed</c>, of an artifact or a run.</summary>
    public string? Status { get; init; }

    public long? RawBytes { get; init; }

    public long? StoredBytes { get; init; }

    public long? DurationMs { get; init; }

    /// <summary>The backup set's directory name, of a <c>result</c>.</summary>
    public string? Set { get; init; }

    public int? Artifacts { get; init; }

    public int? FailedArtifacts { get; init; }

    public string? Error { get; init; }

    /// <summary>Exit code of an <c>exit</c> event.</summary>
    public int? Code { get; init; }

    public AgentStatus? Report { get; init; }

    public bool? Healthy { get; init; }

    public IReadOnlyList<string>? Problems { get; init; }

    /// <summary>The backup.yml the daemon runs, of an <c>other_config</c> event.</summary>
    public string? Config { get; init; }

    /// <summary>The daemon's state_dir, of an <c>other_config</c> event.</summary>
    public string? StateDir { get; init; }

    public static ControlEvent Text(string message) => new() { Type = ControlEventTypes.Message, Message = message };

    public static ControlEvent Failure(string message) => new() { Type = ControlEventTypes.Error, Message = message };

    public static ControlEvent Exit(int code) => new() { Type = ControlEventTypes.Exit, Code = code };

    public static ControlEvent Log(DateTimeOffset time, string level, string? job, string? runId, string message) =>
        new() { Type = ControlEventTypes.Log, Time = time, Level = level, Job = job, RunId = runId, Message = message };

    public static ControlEvent ForArtifact(string job, ManifestArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return new ControlEvent
        {
            Type = ControlEventTypes.Artifact,
            Job = job,
            File = artifact.File,
            Source = artifact.SourceName,
            Status = StatusText(artifact.Status),
            RawBytes = artifact.RawBytes,
            StoredBytes = artifact.StoredBytes,
            DurationMs = artifact.DurationMs,
            Error = artifact.Error,
        };
    }

    public static ControlEvent ForResult(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new ControlEvent
        {
            Type = ControlEventTypes.Result,
            Time = result.FinishedAt,
            Job = result.Job,
            RunId = result.RunId.ToString(),
            Status = StatusText(result.Status),
            Set = result.SetName,
            StoredBytes = result.Artifacts.Sum(a => a.StoredBytes),
            DurationMs = (long)(result.FinishedAt - result.StartedAt).TotalMilliseconds,
            Artifacts = result.Artifacts.Count,
            FailedArtifacts = result.Artifacts.Count(a => a.Status != ManifestStatus.Succeeded),
            Error = result.Error,
        };
    }

    public static string StatusText(ManifestStatus status) => status == ManifestStatus.Succeeded ? RunRecord.Succeeded : RunRecord.Failed;

    /// <summary>The line a terminal shows for a finished artifact, the same in-process and through the daemon.</summary>
    public string ArtifactLine() =>
        RunTable.ArtifactLine(Job, File, Source, Status == RunRecord.Succeeded, RawBytes ?? 0, StoredBytes ?? 0, DurationMs ?? 0, Error);
}
