using VolumeAgent.Manifest;

namespace VolumeAgent.Manifest.Sets;

/// <summary>One set as found in a store.</summary>
internal sealed record BackupSetInfo
{
    public required string Job { get; init; }

    /// <summary>
    /// The Swarm node whose agent wrote the set (its directory is <c>&lt;job&gt;@&lt;node&gt;</c>); null for a set of a single
    /// host (<c>&lt;job&gt;/</c>).
    /// </summary>
    public string? Node { get; init; }

    /// <summary><c>yyyyMMddTHHmmssZ-&lt;run id&gt;</c>; with <see cref="Job"/> it locates the set.</summary>
    public required string DirectoryName { get; init; }

    public required RunId RunId { get; init; }

    /// <summary>The manifest's started_at; without a readable manifest, the time in the directory name (seconds).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    public required BackupSetState State { get; init; }

    /// <summary>The run's status from the manifest; null unless <see cref="State"/> is complete.</summary>
    public ManifestStatus? Status => Manifest?.Status;

    /// <summary>
    /// A restore's safety copy: never <c>latest</c>, never counted by the job's retention (it has its own), so a
    /// restore cannot push a good backup out or make <c>JOB/latest</c> name the data it replaced.
    /// </summary>
    public bool IsSafetyCopy => Manifest?.Trigger == ManifestTrigger.PreRestore;

    /// <summary>A complete set whose run succeeded and that is a backup of the job (not a safety copy): what <c>latest</c> may name.</summary>
    public bool IsGoodBackup => State == BackupSetState.Complete && Status == ManifestStatus.Succeeded && !IsSafetyCopy;

    public BackupManifest? Manifest { get; init; }

    /// <summary>Bytes of all files in the set as stored (what deleting the set frees).</summary>
    public required long TotalStoredBytes { get; init; }

    /// <summary>Artifacts in the manifest; without a readable manifest, artifact files present.</summary>
    public required int ArtifactCount { get; init; }

    /// <summary>Why the set is corrupt or incomplete, in words for a user.</summary>
    public string? Problem { get; init; }
}
