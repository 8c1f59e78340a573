using VolumeAgent.Manifest;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore.Verification;

/// <summary>
/// An artifact a storage keeps as a file tree of its own (<see cref="ManifestArtifact.Snapshot"/>): checked by asking
/// the storage for the snapshot (the repository as a whole is checked once per set by <see cref="IRepositoryCheck"/>),
/// and handed to restore and drill as a scan without bytes read.
/// </summary>
internal static class FileTreeScan
{
    public static async Task<(ArtifactScan Scan, ArtifactOutcome Outcome)> CheckAsync(StoredSet set, ManifestArtifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(artifact);
        var snapshot = artifact.Snapshot ?? throw new ArgumentException("The artifact has no snapshot.", nameof(artifact));
        var name = artifact.SourceName;
        var problem = FileTrees.Of(set.Store) is { } trees
            ? await trees.CheckTreeAsync(snapshot, cancellationToken)
            : $"storage '{set.StorageName}' does not keep file trees, but the manifest says snapshot {snapshot.Id} is in storage '{snapshot.Storage}'";
        var scan = Of(artifact) with { Problems = problem is null ? [] : [$"{name}: {problem}"] };
        return (scan, problem is null
            ? new ArtifactOutcome(name, true, $"{name}: snapshot {Short(snapshot.Id)} is in the repository ({artifact.Entries ?? 0} files when it was made)")
            : new ArtifactOutcome(name, false, scan.Problems[0]));
    }

    /// <summary>A scan that read nothing: what a restore step of a file tree carries.</summary>
    public static ArtifactScan Of(ManifestArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return new ArtifactScan { Artifact = artifact, Problems = [], RawBytes = artifact.RawBytes, EntryCount = artifact.Entries is { } n ? (int)Math.Min(n, int.MaxValue) : null };
    }

    private static string Short(string id) => id.Length > 8 ? id[..8] : id;
}
