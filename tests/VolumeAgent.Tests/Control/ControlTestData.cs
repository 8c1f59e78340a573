using System.Collections.Concurrent;
using VolumeAgent.Control;
using VolumeAgent.Storage;
using VolumeAgent.Sources.Shared.Archives;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Control;

internal static class ControlTestData
{
    public static readonly DateTimeOffset Start = new(2026, 3, 29, 0, 30, 0, TimeSpan.Zero);

    public static ManifestArtifact Artifact(string? file, long stored, ManifestStatus status, string? error = null) => new()
    {
        File = file,
        SourceKind = VolumeKind.Volume,
        SourceName = "data",
        Format = ArchiveKind.Tar,
        Compression = ManifestCompression.Gzip,
        RawBytes = stored * 10,
        StoredBytes = stored,
        Sha256 = status == ManifestStatus.Succeeded ? new string('0', 64) : null,
        Status = status,
        StartedAt = Start,
        DurationMs = 100,
        Error = error,
    };

    public static RunRecord Run(string status, string? error = null, DateTimeOffset? started = null) => new()
    {
        RunId = "1a2b3c4d",
        Trigger = "schedule",
        StartedAt = started ?? Start,
        FinishedAt = (started ?? Start).AddSeconds(75),
        Status = status,
        StoredBytes = 1_500_000,
        Artifacts = 2,
        FailedArtifacts = status == RunRecord.Succeeded ? 0 : 1,
        Set = "20260329T003000Z-1a2b3c4d",
        Error = error,
    };
}

/// <summary>Collects what a handler posts.</summary>
internal sealed class RecordingEvents : IControlEvents
{
    private readonly ConcurrentQueue<ControlEvent> _events = new();

    public IReadOnlyList<ControlEvent> Events => [.. _events];

    public IReadOnlyList<string> Messages => Events.Where(e => e.Type == ControlEventTypes.Message).Select(e => e.Message!).ToList();

    public void Post(ControlEvent controlEvent) => _events.Enqueue(controlEvent);
}
