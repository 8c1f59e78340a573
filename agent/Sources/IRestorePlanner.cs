using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources;

/// <summary>
/// A kind's part of one restore: looks at the target of each selected artifact (writing nothing), adds every
/// reason to refuse to the list, and returns how to make the step once the artifact is checked. One planner
/// serves every artifact of its kind in the restore, so it may keep a connection per target container.
/// </summary>
internal interface IRestorePlanner
{
    /// <exception cref="RestoreRefusedException">The artifact cannot be restored here; the message says why.</exception>
    Task<Func<ArtifactScan, IRestoreStep>> PlanAsync(ManifestArtifact artifact, List<string> refusals, CancellationToken cancellationToken);
}

/// <summary>How <c>restore</c>'s target options apply to an artifact.</summary>
/// <param name="Archive">A file tree that --to-volume may redirect (one at a time).</param>
/// <param name="DatabaseDump">One database that --database may rename (one at a time).</param>
/// <param name="ServerKind">The kind of database server it goes into (<c>postgres</c>), for --to-container, which takes
/// the artifacts of one server (kind and source name) at a time; null when it goes into no server.</param>
internal sealed record RestoreTraits(bool Archive, bool DatabaseDump, string? ServerKind)
{
    public static readonly RestoreTraits None = new(false, false, null);
}
