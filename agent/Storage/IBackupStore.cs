using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage;

/// <summary>
/// Where backup sets live: <c>&lt;job&gt;/&lt;UTC timestamp&gt;-&lt;run id&gt;/</c> holding artifacts,
/// SHA256SUMS and, written last, manifest.json. A set without a manifest is incomplete.
/// </summary>
internal interface IBackupStore
{
    /// <summary>A human-readable location (a directory, a bucket URL) for logs and messages.</summary>
    string Location { get; }

    /// <summary>
    /// The Swarm node whose sets this store writes, under <c>&lt;job&gt;@&lt;node&gt;</c> (null: a single host's, under
    /// <c>&lt;job&gt;</c>). Listing shows every node's sets (<see cref="BackupSetInfo.Node"/>); retention, <c>latest</c>, the
    /// sweep and sync touch only this node's.
    /// </summary>
    string? Node { get; }

    /// <summary>
    /// Proves the store can be written, before a run touches anything: a local root must exist (or, with
    /// <c>create: true</c>, is created in a parent that exists) and take a file.
    /// </summary>
    /// <exception cref="StorageException">The store cannot be written; the message says why and what to check.</exception>
    Task CheckWritableAsync(CancellationToken cancellationToken);

    /// <summary>Creates the set's directory. The writer owns it until <see cref="IBackupSetWriter.CompleteAsync"/> or disposal.</summary>
    /// <exception cref="StorageException">The store cannot be written, or a local root is missing (see <see cref="CheckWritableAsync"/>).</exception>
    Task<IBackupSetWriter> BeginSetAsync(string job, DateTimeOffset startedUtc, RunId runId, CancellationToken cancellationToken);

    /// <summary>
    /// Every set (of <paramref name="job"/>, or of every job when null), of every Swarm node, ordered by job, then start time
    /// (the manifest's started_at, else the time in the directory name), then directory name. A set that
    /// cannot be read is reported as <see cref="BackupSetState.Corrupt"/> rather than thrown.
    /// </summary>
    IAsyncEnumerable<BackupSetInfo> ListSetsAsync(string? job, CancellationToken cancellationToken);

    /// <summary>
    /// Removes a set. The manifest goes first, so an interrupted delete leaves a set that lists as
    /// incomplete, never one that looks complete but lacks files. Deleting a set that is gone is a no-op.
    /// </summary>
    Task DeleteSetAsync(BackupSetInfo set, CancellationToken cancellationToken);

    /// <exception cref="FileNotFoundException">The set has no such artifact.</exception>
    Task<Stream> OpenArtifactReadAsync(BackupSetInfo set, string fileName, CancellationToken cancellationToken);

    /// <summary>Opens the set's SHA256SUMS, which restore and verify check every artifact against.</summary>
    /// <exception cref="FileNotFoundException">The set has no SHA256SUMS.</exception>
    Task<Stream> OpenChecksumsReadAsync(BackupSetInfo set, CancellationToken cancellationToken);

    /// <summary>Atomically replaces the manifest of a complete set, e.g. to record a verification.</summary>
    Task UpdateManifestAsync(BackupSetInfo set, BackupManifest manifest, CancellationToken cancellationToken);

    /// <summary>
    /// Removes temporary files a crashed run left in the job's sets, except in sets this store is still
    /// writing. Call at the start of a run. Returns how many files were removed.
    /// </summary>
    Task<int> SweepPartialsAsync(string job, CancellationToken cancellationToken);

    /// <summary>
    /// Points the job's <c>latest</c> at its newest complete, succeeded set (or removes it when there is none), found by
    /// listing the job's sets. Called after retention or a delete removed sets, and after <c>sync</c> copied some.
    /// </summary>
    Task RefreshLatestAsync(string job, CancellationToken cancellationToken);

    /// <summary>
    /// Points the job's <c>latest</c> at <paramref name="setName"/>, without listing: a run calls it for the succeeded
    /// set it has just completed, which is the job's newest.
    /// </summary>
    Task PointLatestAsync(string job, string setName, CancellationToken cancellationToken);
}
