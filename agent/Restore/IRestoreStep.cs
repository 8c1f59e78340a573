using VolumeAgent.Restore.Verification;
namespace VolumeAgent.Restore;

/// <summary>One artifact restored into one target; planned (and checked) before any step runs.</summary>
internal interface IRestoreStep
{
    ArtifactScan Scan { get; }

    /// <summary>What the step will do and what it will overwrite, for the confirmation.</summary>
    string Summary { get; }

    /// <summary>True when the step replaces existing data.</summary>
    bool Overwrites { get; }

    /// <summary>
    /// The target as a source of a backup (the volume, the database in its container), for the safety copy made before
    /// a step that <see cref="Overwrites"/> runs; null for a step that never replaces data.
    /// </summary>
    Policy.SourceOptions? SafetyCopy { get; }

    /// <summary>Restores, and returns what was done in one line; throws <see cref="RestoreFailedException"/> when it fails.</summary>
    Task<string> RunAsync(RestoreEnvironment environment, CancellationToken cancellationToken);
}
