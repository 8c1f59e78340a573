using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Sources;

namespace VolumeAgent.Storage.Restic;

/// <summary>
/// The image the restic helpers run: the storage's <c>image</c>; without one, the agent's own image when the agent runs
/// in a container (its image has restic), found by inspecting that container as <see cref="ContainerResolver.InspectSelfAsync"/>
/// does. On the host there is no such image, and a missing <c>image</c> is an error naming the storage and the fix.
/// </summary>
internal static class ResticImage
{
    /// <summary>What the helpers run (an image reference or id) and how messages name it.</summary>
    public readonly record struct Choice(string Reference, string Shown);

    /// <summary>Resolves <see cref="ResticStorageOptions.Image"/> against the agent's own container on <paramref name="docker"/>.</summary>
    /// <exception cref="StorageException">No <c>image</c>, and the agent is not in a container of that engine.</exception>
    public static async Task<Choice> ResolveAsync(ResticStorageOptions options, IDockerEngine docker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Image is { } image)
        {
            return new Choice(image, image);
        }

        var self = await ContainerResolver.InspectSelfAsync(docker, cancellationToken);
        return Choose(options, File.Exists("/.dockerenv"), Environment.GetEnvironmentVariable("HOSTNAME") ?? System.Net.Dns.GetHostName(), self);
    }

    /// <summary>
    /// The policy: the configured image; else the image of the agent's own container (<paramref name="self"/>), by id, so
    /// the helpers run exactly the image the agent runs even after its tag moved on; else the error.
    /// </summary>
    /// <param name="inContainer">Whether the process runs in a container at all (<c>/.dockerenv</c>).</param>
    /// <param name="hostname">The process's hostname: in a container, the container id's prefix the agent inspects itself by.</param>
    /// <param name="self">The agent's own container on the engine, or null when it is not one of that engine's.</param>
    public static Choice Choose(ResticStorageOptions options, bool inContainer, string hostname, ContainerInspect? self)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Image is { } image)
        {
            return new Choice(image, image);
        }

        if (self?.Image is { Length: > 0 } id)
        {
            var name = self.Config?.Image;
            var shortId = id.StartsWith("sha256:", StringComparison.Ordinal) && id.Length > 19 ? id[..19] : id;
            return new Choice(id, string.IsNullOrEmpty(name) || name == id ? $"the agent's own ({shortId})" : $"the agent's own, {name} ({shortId})");
        }

        var where = inContainer
            ? $"the agent's container (hostname {hostname}) is not a container of the engine it uses, so its image is not known"
            : "the agent runs on the host, not in a container, so it has no image of its own for the restic helpers";
        throw new StorageException(
            $"restic storage '{options.Name}': 'image' is not set, and {where}. "
            + $"Name an image with restic {ResticErrors.MinimumVersion.ToString(3)} or newer in the storage's 'image' (the agent's image, volume-agent, has it).");
    }
}
