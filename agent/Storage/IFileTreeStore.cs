using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage;

/// <summary>
/// A file-tree source (a volume, a host path) as a storage that backs it up itself is given it: the read-only mount of
/// the tree (its target is the path the storage records, the same every run), the source across runs
/// (<c>volume:NAME</c>, <c>path:/DIR</c>) and its exclude patterns, relative to the tree's root.
/// </summary>
internal sealed record FileTreeSource(MountSpec Mount, string Key, IReadOnlyList<string> Exclude);

/// <summary>A tree backed up: the snapshot for the manifest and the bytes the storage read (unchanged files count, unread).</summary>
internal sealed record FileTreeBackup(ManifestSnapshot Snapshot, long TotalBytes);

/// <summary>One entry of a stored tree as the storage lists it; <see cref="Path"/> relative to the tree's root, <see cref="Mode"/> the permission bits.</summary>
internal sealed record FileTreeEntry(string Path, string Type, int Mode, long Uid, long Gid, long Size);

/// <summary>
/// An object store that can store a file tree itself, without the tar stream crossing the engine: restic backs a
/// volume up in a helper that mounts it, skipping unchanged files by comparing with the source's previous snapshot.
/// A run asks each storage for this (<see cref="FileTrees.Of(IBackupSetWriter)"/>); storages without it get the tar.
/// </summary>
internal interface IFileTreeStore
{
    /// <summary>The storage's name in backup.yml, recorded in <see cref="ManifestSnapshot.Storage"/>.</summary>
    string StorageName { get; }

    /// <summary>Backs the tree up into the set; <paramref name="progress"/> is called whenever the storage reports progress.</summary>
    /// <exception cref="StorageException">The storage could not back it up; the message names the storage and why.</exception>
    Task<FileTreeBackup> BackUpTreeAsync(SetAddress set, FileTreeSource source, Action progress, CancellationToken cancellationToken);

    /// <summary>Null when the snapshot is there and sound, else what is wrong, naming the storage.</summary>
    Task<string?> CheckTreeAsync(ManifestSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Restores the tree into <paramref name="target"/>, a mount whose target is the path the tree was backed up from.</summary>
    /// <exception cref="StorageException">The restore failed.</exception>
    Task RestoreTreeAsync(ManifestSnapshot snapshot, MountSpec target, CancellationToken cancellationToken);

    /// <summary>The snapshot's own list of its entries, relative to <paramref name="root"/> (the mount point it was backed up from, not itself listed).</summary>
    Task<IReadOnlyList<FileTreeEntry>> ListTreeAsync(ManifestSnapshot snapshot, string root, CancellationToken cancellationToken);
}

/// <summary>Finds the <see cref="IFileTreeStore"/> behind a set writer or a store, when its storage has one.</summary>
internal static class FileTrees
{
    public static IFileTreeStore? Of(IBackupSetWriter? writer) => writer is SetWriter { Objects: IFileTreeStore trees } ? trees : null;

    public static IFileTreeStore? Of(IBackupStore store) => store is SetStore { Objects: IFileTreeStore trees } ? trees : null;
}
