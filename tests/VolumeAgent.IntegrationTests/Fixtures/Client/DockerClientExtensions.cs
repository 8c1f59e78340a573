using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace VolumeAgent.IntegrationTests.Fixtures.Client;

/// <summary>
/// The few shapes the tests need from the library client: label-filtered lists, inspections that answer null for
/// "no such object", and removals that treat "already gone" as done (as clean-up must).
/// </summary>
internal static class DockerClientExtensions
{
    /// <summary>The engine's "label" filter: key=value, or key alone when the value is null.</summary>
    public static Dictionary<string, IDictionary<string, bool>> LabelFilters(IReadOnlyDictionary<string, string?> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var filter = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            filter[value is null ? key : $"{key}={value}"] = true;
        }

        return new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal) { ["label"] = filter };
    }

    public static bool IsNotFound(this DockerApiException exception) => exception.StatusCode == HttpStatusCode.NotFound;

    public static bool IsConflict(this DockerApiException exception) => exception.StatusCode == HttpStatusCode.Conflict;

    /// <summary>Containers (running or not) carrying every label of <paramref name="labels"/>.</summary>
    public static async Task<IList<ContainerListResponse>> ListContainersAsync(
        this DockerClient client, IReadOnlyDictionary<string, string?> labels, CancellationToken cancellationToken) =>
        await client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = LabelFilters(labels) }, cancellationToken);

    /// <summary>Containers (running or not) that mount <paramref name="volume"/>.</summary>
    public static async Task<IList<ContainerListResponse>> ListContainersUsingVolumeAsync(this DockerClient client, string volume, CancellationToken cancellationToken) =>
        await client.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal) { ["volume"] = new Dictionary<string, bool> { [volume] = true } },
            },
            cancellationToken);

    /// <summary>Volumes carrying every label of <paramref name="labels"/>.</summary>
    public static async Task<IList<VolumeResponse>> ListVolumesAsync(
        this DockerClient client, IReadOnlyDictionary<string, string?> labels, CancellationToken cancellationToken) =>
        (await client.Volumes.ListAsync(new VolumesListParameters { Filters = LabelFilters(labels) }, cancellationToken)).Volumes ?? [];

    public static async Task<ContainerInspectResponse?> TryInspectContainerAsync(this DockerClient client, string idOrName, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Containers.InspectContainerAsync(idOrName, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound())
        {
            return null;
        }
    }

    public static async Task<VolumeResponse?> TryInspectVolumeAsync(this DockerClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Volumes.InspectAsync(name, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound())
        {
            return null;
        }
    }

    public static async Task<ImageInspectResponse?> TryInspectImageAsync(this DockerClient client, string reference, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Images.InspectImageAsync(reference, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound())
        {
            return null;
        }
    }

    /// <summary>Starts a created container.</summary>
    public static Task StartAsync(this DockerClient client, string id, CancellationToken cancellationToken) =>
        client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);

    /// <summary>Removes a container forcibly with its anonymous volumes; one already gone counts as removed.</summary>
    public static async Task RemoveContainerForcedAsync(this DockerClient client, string id, CancellationToken cancellationToken)
    {
        try
        {
            await client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound())
        {
        }
    }

    /// <summary>Removes a volume (forced: even when the engine still counts a reference); one already gone counts as removed.</summary>
    public static async Task RemoveVolumeForcedAsync(this DockerClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            await client.Volumes.RemoveAsync(name, force: true, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound())
        {
        }
    }

    /// <summary>Removes one image reference, never forced (only the tag goes when another names the image); one already gone counts as removed.</summary>
    public static async Task UntagImageAsync(this DockerClient client, string reference, CancellationToken cancellationToken)
    {
        try
        {
            await client.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = false }, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound())
        {
        }
    }

    /// <summary>The execs the engine lists for the container (engine 20.10 lists the running ones only), as its API reports them.</summary>
    public static async Task<IReadOnlyList<ContainerExecInspectResponse>> InspectExecsAsync(this DockerClient client, string container, CancellationToken cancellationToken)
    {
        var inspect = await client.Containers.InspectContainerAsync(container, cancellationToken);
        var execs = new List<ContainerExecInspectResponse>();
        foreach (var id in inspect.ExecIDs ?? [])
        {
            try
            {
                execs.Add(await client.Exec.InspectContainerExecAsync(id, cancellationToken));
            }
            catch (DockerApiException ex) when (ex.IsNotFound())
            {
                // An ended exec the engine forgot between the container's inspect and this one.
            }
        }

        return execs;
    }
}
