using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Sources;

namespace VolumeAgent.Restore.Drill;

/// <summary>What a kind's <see cref="ISourceDrill"/> gets for one drill: the engine and labels, the set, the log.</summary>
internal sealed class DrillContext
{
    /// <summary>The role label of everything a drill creates; the agent's start removes leftovers by it.</summary>
    public const string Role = "drill";

    public required SourceContext Context { get; init; }

    /// <summary>Opens the set's artifacts, re-hashed as they stream.</summary>
    public required RestoreEnvironment Environment { get; init; }

    public required ILogger Log { get; init; }

    /// <summary>Failures that fail one artifact's drill (an outcome); anything else (a bug, the drill's cancellation) ends the drill.</summary>
    public static bool IsDrillFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        RestoreFailedException or RestoreRefusedException or ArtifactFailedException or UnsafeEntryException or Storage.StorageException => true,
        DockerApiException or DockerUnavailableException or IOException or InvalidDataException or TimeoutException => true,
        _ => false,
    };
}
