namespace VolumeAgent.Storage;

/// <summary>
/// The byte operations of one storage type: named objects grouped in sets (<c>&lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c>).
/// What a set holds and in which order it is written (artifacts, SHA256SUMS, manifest.json last), how sets are
/// listed, checked and deleted, is shared by every storage (<c>Manifest/Sets/SetStore</c>); a storage implements
/// only this. Names reaching it are already checked (<c>BackupSetLayout</c>): they cannot leave their set.
/// </summary>
internal interface IObjectStore
{
    /// <summary>A human-readable location (a directory, a bucket URL) for logs and messages.</summary>
    string Location { get; }

    /// <summary>Where one set lives, in words for a message (its directory, its key prefix).</summary>
    string Describe(SetAddress set);

    /// <summary>Proves the storage can be written, before a run touches anything; changes nothing lasting.</summary>
    /// <exception cref="StorageException">It cannot be written; the message says why and what to check.</exception>
    Task CheckWritableAsync(CancellationToken cancellationToken);

    /// <summary>Makes room for a new set.</summary>
    /// <exception cref="IOException">The set exists already, or the storage cannot be written.</exception>
    Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken);

    /// <summary>Starts an object that becomes visible under <paramref name="name"/> only when its upload commits.</summary>
    /// <exception cref="StorageException">The storage cannot take it (full, read-only, permissions).</exception>
    Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken);

    /// <summary>Writes a small object whole, replacing one of the same name: a reader sees the old content or the new, never a mix.</summary>
    Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a set's closing objects (SHA256SUMS, then manifest.json), each whole, in the order given: a reader never
    /// sees one of them without every one before it, so the last (the manifest, the set's commit marker) makes the set
    /// complete only once the others are there. By default each is put in turn; a storage that can write them in one
    /// step (one restic snapshot holding them all: all or none) does.
    /// </summary>
    Task PutManyAsync(SetAddress set, IReadOnlyList<(string Name, ReadOnlyMemory<byte> Content)> objects, CancellationToken cancellationToken) =>
        PutEachAsync(this, set, objects, cancellationToken);

    /// <summary>The default of <see cref="PutManyAsync"/>: each object put in turn, in the order given.</summary>
    protected static async Task PutEachAsync(
        IObjectStore store, SetAddress set, IReadOnlyList<(string Name, ReadOnlyMemory<byte> Content)> objects, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objects);
        foreach (var (name, content) in objects)
        {
            await store.PutAsync(set, name, content, cancellationToken);
        }
    }

    /// <exception cref="FileNotFoundException">The set has no such object.</exception>
    Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken);

    /// <summary>The names at the top level (job candidates), unfiltered and in any order; none when the storage is empty or missing.</summary>
    IAsyncEnumerable<string> ListJobsAsync(CancellationToken cancellationToken);

    /// <summary>The names of the sets under a job (set candidates), unfiltered and in any order; none when the job has none.</summary>
    IAsyncEnumerable<string> ListSetsAsync(string job, CancellationToken cancellationToken);

    /// <summary>Every object of a set with its size, temporary ones included; empty when the set does not exist.</summary>
    /// <exception cref="IOException">The set exists but cannot be read.</exception>
    Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken);

    /// <summary>Removes one object, durably before it returns; a missing object is a no-op.</summary>
    Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken);

    /// <summary>Removes a set with every object still in it; a missing set is a no-op.</summary>
    Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken);

    /// <summary>
    /// Points <c>&lt;job&gt;/latest</c> at the set named (on a disk a symbolic link to its directory, elsewhere a small
    /// object holding its name and a newline), replacing the old pointer atomically; removes it when
    /// <paramref name="setName"/> is null. Scripts and people find the last good backup there without listing.
    /// </summary>
    Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken);
}
