using System.Text.Json.Serialization;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Storage;

namespace VolumeAgent.Presentation;

/// <summary>The sets of every storage as <c>list --json</c> and the HTTP API's <c>/api/v1/jobs/{job}/sets</c> give them.</summary>
internal sealed record SetList
{
    public required IReadOnlyList<SetEntry> Sets { get; init; }

    public static async Task<SetList> ReadAsync(IReadOnlyDictionary<string, IBackupStore> stores, string? job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stores);
        var sets = new List<SetEntry>();
        foreach (var (name, store) in stores)
        {
            await foreach (var set in store.ListSetsAsync(job, cancellationToken))
            {
                sets.Add(SetEntry.From(name, set));
            }
        }

        return new SetList { Sets = sets };
    }
}

/// <summary>One set in one storage: what a row of <c>list</c> shows, plus its tag, run id and verification time.</summary>
internal sealed record SetEntry
{
    public required string Storage { get; init; }

    public required string Job { get; init; }

    /// <summary>The Swarm node whose agent wrote the set; absent for a single host's.</summary>
    public string? Node { get; init; }

    public required string Set { get; init; }

    public required string RunId { get; init; }

    public string? Tag { get; init; }

    /// <summary><c>schedule</c>, <c>manual</c> or <c>drill</c>; null without a readable manifest.</summary>
    public string? Trigger { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary><c>succeeded</c>, <c>failed</c>, <c>incomplete</c> or <c>corrupt</c>, as <c>list</c> prints it.</summary>
    public required string Status { get; init; }

    public long RawBytes { get; init; }

    public required long StoredBytes { get; init; }

    public required int Artifacts { get; init; }

    /// <summary><c>verified</c>, <c>drilled</c> or <c>failed</c>; null when never checked.</summary>
    public string? Verified { get; init; }

    public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>Why the set is corrupt or incomplete, or the run's error.</summary>
    public string? Problem { get; init; }

    public static SetEntry From(string storage, BackupSetInfo set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var manifest = set.Manifest;
        return new SetEntry
        {
            Storage = storage,
            Job = set.Job,
            Node = set.Node,
            Set = set.DirectoryName,
            RunId = set.RunId.ToString(),
            Tag = manifest?.Tag,
            Trigger = manifest is null ? null : Operations.RunTriggers.Text(manifest.Trigger),
            StartedAt = set.StartedAt,
            FinishedAt = manifest?.FinishedAt,
            Status = SetListing.StatusOf(set),
            RawBytes = manifest?.Artifacts.Sum(a => a.RawBytes) ?? 0,
            StoredBytes = set.TotalStoredBytes,
            Artifacts = set.ArtifactCount,
            Verified = SetListing.VerifiedOf(set) is { Length: > 0 } verified ? verified : null,
            VerifiedAt = manifest?.Verification?.VerifiedAt,
            Problem = set.Problem ?? manifest?.Error,
        };
    }
}

/// <summary>The JSON of <see cref="SetList"/>: snake_case, nulls left out, as <c>status --json</c>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SetList))]
internal sealed partial class SetListJsonContext : JsonSerializerContext;
