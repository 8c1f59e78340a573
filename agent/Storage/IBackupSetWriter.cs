using VolumeAgent.Manifest;

namespace VolumeAgent.Storage;

/// <summary>
/// Writes one backup set. Disposing without <see cref="CompleteAsync"/> aborts open artifacts and leaves
/// the set without a manifest (incomplete); committed artifacts stay.
/// </summary>
internal interface IBackupSetWriter : IAsyncDisposable
{
    string Job { get; }

    RunId RunId { get; }

    /// <summary>The set's directory name, <c>yyyyMMddTHHmmssZ-&lt;run id&gt;</c>.</summary>
    string DirectoryName { get; }

    /// <summary>Starts an artifact under a temporary name; it gets its final name only on commit.</summary>
    Task<IArtifactWriter> CreateArtifactAsync(string fileName, CancellationToken cancellationToken);

    /// <summary>
    /// Writes SHA256SUMS (committed artifacts only) and then manifest.json, each atomically. Also for a
    /// failed run, with the manifest's status failed. Artifacts still open are aborted first. Every
    /// succeeded artifact in the manifest must name a committed file with the same hash.
    /// </summary>
    /// <exception cref="StorageException">
    /// SHA256SUMS or the manifest could not be written (a full disk, an I/O error): the set is removed, since
    /// without its manifest it is no backup, and the message says so (or why it could not be removed).
    /// </exception>
    Task CompleteAsync(BackupManifest manifest, CancellationToken cancellationToken);
}
