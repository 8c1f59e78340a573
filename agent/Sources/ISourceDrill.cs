using VolumeAgent.Restore;
using VolumeAgent.Restore.Drill;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources;

/// <summary>A kind's drill: restores its checked artifacts into throwaway targets it removes again, and compares.</summary>
internal interface ISourceDrill
{
    /// <summary>
    /// Gets every sound scan of the kind's artifacts in the set; returns one outcome per scan it drilled. A scan it
    /// leaves out is reported as "not drilled; checked by verify only". Failures of a target are outcomes, never
    /// thrown; cancellation is thrown.
    /// </summary>
    Task<IReadOnlyDictionary<ArtifactScan, ArtifactOutcome>> RunAsync(DrillContext drill, IReadOnlyList<ArtifactScan> scans, CancellationToken cancellationToken);
}
