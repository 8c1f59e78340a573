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

    /// <summary>Restores, and returns what was done in one line; throws <see cref="RestoreFailedException"/> when it fails.</summary>
    Task<string> RunAsync(RestoreEnvironment environment, CancellationToken cancellationToken);
}
