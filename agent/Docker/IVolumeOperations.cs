using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker;

/// <summary>Named volumes.</summary>
internal interface IVolumeOperations
{
    /// <summary>Volumes that carry every label given (a null value: the label with any value), and the name filter.</summary>
    Task<IReadOnlyList<VolumeInfo>> ListAsync(
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? labels = null, string? name = null);

    Task<VolumeInfo> InspectAsync(string name, CancellationToken cancellationToken);

    /// <summary>Inspects the volume, or returns null when there is none by that name.</summary>
    Task<VolumeInfo?> TryInspectAsync(string name, CancellationToken cancellationToken);

    Task<VolumeInfo> CreateAsync(string name, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken);

    /// <summary>Removes the volume; one already gone counts as removed.</summary>
    Task RemoveAsync(string name, CancellationToken cancellationToken, bool force = false);
}
