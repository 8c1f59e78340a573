using Serilog;
using VolumeAgent.Sources;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Restore;

/// <summary>What every restore step of one set shares: where the set is, the engine and labels, the state directory.</summary>
internal sealed class RestoreEnvironment
{
    public required StoredSet Set { get; init; }

    public required SourceContext Context { get; init; }

    /// <summary>Where stopped containers are journalled, so a later start brings them back if this process dies.</summary>
    public required string StateDir { get; init; }

    public required ILogger Log { get; init; }

    public Task<VerifiedArtifactStream> OpenAsync(ArtifactScan scan, CancellationToken cancellationToken) =>
        VerifiedArtifactStream.OpenAsync(Set.Store, Set.Set, scan.Artifact, Set.Keys, cancellationToken);
}
