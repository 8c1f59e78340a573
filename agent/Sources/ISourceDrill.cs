using VolumeAgent.Restore;

namespace VolumeAgent.Sources;

/// <summary>A kind's drill: restores its checked artifacts into throwaway targets it removes again, and compares.</summary>
internal interface ISourceDrill
{
    /// <summary>
    /// One outcome per scan it drilled (all of them, normally); every scan is sound. Failures of a target are
    /// outcomes, never thrown; cancellation is thrown.
    /// </summary>
    Task<IReadOnlyDictionary<ArtifactScan, ArtifactOutcome>> RunAsync(DrillContext drill, IReadOnlyList<ArtifactScan> scans, CancellationToken cancellationToken);
}
