using VolumeAgent.Docker.Models;
using VolumeAgent.Policy;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;

namespace VolumeAgent.Restore;

/// <summary>What a kind's <see cref="IRestorePlanner"/> gets for one restore: the engine, the set, the request and backup.yml.</summary>
internal sealed class RestorePlanning
{
    public required SourceContext Context { get; init; }

    public required StoredSet Set { get; init; }

    public required RestoreRequest Request { get; init; }

    /// <summary>backup.yml, when it was read; a kind finds its source's credentials there.</summary>
    public BackupPolicy? Policy { get; init; }

    /// <summary>The sources of the set's job in backup.yml that are of options type <typeparamref name="T"/>.</summary>
    public IEnumerable<T> SourcesOf<T>()
        where T : SourceOptions =>
        Policy?.FindJob(Set.Set.Job)?.Sources.OfType<T>() ?? [];

    /// <summary>The container to restore into: --to-container, else the one the dump ran in, else the source as backup.yml names it.</summary>
    /// <returns>The container, and whether it is the artifact's own (so backup.yml's credentials for it apply).</returns>
    public async Task<(ContainerInspect Container, bool Original)> ResolveContainerAsync(ManifestArtifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (Request.ToContainer is not null)
        {
            var chosen = await ContainerResolver.TryInspectNamedAsync(Context.Docker, Request.ToContainer, cancellationToken);
            return chosen is not null
                ? (chosen, false)
                : throw new RestoreRefusedException($"No container is named '{Request.ToContainer}' (an id needs at least its first {ContainerResolver.ShortIdLength} characters). Check the name with `docker ps`.");
        }

        if (artifact.Container is not null
            && await ContainerResolver.TryInspectNamedAsync(Context.Docker, artifact.Container, cancellationToken) is { } byName)
        {
            return (byName, true);
        }

        return (await Context.Containers.ResolveAsync(artifact.SourceName, cancellationToken), true);
    }
}
