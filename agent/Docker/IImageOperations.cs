using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker;

/// <summary>Images: the helper and scratch-server images the agent runs.</summary>
internal interface IImageOperations
{
    Task<ImageInspect> InspectAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Inspects the image, or returns null when the engine does not have it.</summary>
    Task<ImageInspect?> TryInspectAsync(string reference, CancellationToken cancellationToken);

    Task<IReadOnlyList<ImageSummary>> ListAsync(CancellationToken cancellationToken, string? reference = null);

    /// <summary>Pulls the image, reporting each progress line; an error inside the pull's stream fails it.</summary>
    Task PullAsync(string reference, IProgress<ProgressMessage>? progress, CancellationToken cancellationToken);

    /// <summary>Pulls the image only when the engine does not have it yet.</summary>
    Task<ImageInspect> EnsureAsync(string reference, IProgress<ProgressMessage>? progress, CancellationToken cancellationToken);

    Task RemoveAsync(string reference, CancellationToken cancellationToken, bool force = false);
}
