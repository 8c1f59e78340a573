namespace VolumeAgent.Storage;

/// <summary>
/// A storage provider whose storages run a tool of their own through the engine (restic in a helper image).
/// <c>validate</c> asks it which version it finds, and refuses one the agent cannot use.
/// </summary>
internal interface IStorageToolCheck
{
    /// <summary>The tool and version found, in words for <c>validate</c> (e.g. <c>restic 0.14.0 in image …</c>).</summary>
    /// <exception cref="StorageException">The tool is missing or too old; the message names the storage, the image and the fix.</exception>
    /// <exception cref="Docker.DockerUnavailableException">The engine does not answer.</exception>
    Task<string> CheckToolAsync(Policy.StorageOptions options, CancellationToken cancellationToken);
}
