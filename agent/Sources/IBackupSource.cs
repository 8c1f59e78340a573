using VolumeAgent.Storage;

namespace VolumeAgent.Sources;

/// <summary>
/// One entry of a job's sources. Planning finds the target and what it holds (a volume, every database of a
/// server) and yields one producer per artifact; a target that is missing fails here, naming it.
/// </summary>
internal interface IBackupSource
{
    /// <summary>The source as backup.yml names it, for messages.</summary>
    string DisplayName { get; }

    ManifestSourceKind Kind { get; }

    /// <summary>The format of its (main) artifacts, recorded for the source when it fails before it planned any.</summary>
    ManifestArtifactFormat Format { get; }

    Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken);
}
