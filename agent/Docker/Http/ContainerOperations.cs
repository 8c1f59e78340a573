using System.Globalization;
using System.Net;
using System.Text.Json;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker.Http;

internal sealed class ContainerOperations : IContainerOperations
{
    private const string PathStatHeader = "X-Docker-Container-Path-Stat";
    private readonly DockerTransport _client;

    internal ContainerOperations(DockerTransport client) => _client = client;

    public async Task<string> CreateAsync(ContainerCreateRequest request, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var created = await _client.PostJsonAsync(
            "/containers/create" + DockerClient.Query(("name", name)),
            request,
            DockerJsonContext.Default.ContainerCreateRequest,
            DockerJsonContext.Default.ContainerCreateResponse,
            $"create a container from image {request.Image}",
            cancellationToken);
        return created.Id;
    }

    public async Task StartAsync(string id, CancellationToken cancellationToken)
    {
        using var _ = await _client.SendAsync(
            HttpMethod.Post, $"/containers/{Escape(id)}/start", null, $"start container {id}", idempotent: false, cancellationToken, HttpStatusCode.NotModified);
    }

    /// <summary>Waits for the container to stop; use <c>nextExit</c> when waiting on a container not yet started.</summary>
    public async Task<ContainerWaitResponse> WaitAsync(string id, CancellationToken cancellationToken, bool nextExit = false)
    {
        using var response = await _client.SendAsync(
            HttpMethod.Post,
            $"/containers/{Escape(id)}/wait" + DockerClient.Query(("condition", nextExit ? "next-exit" : "not-running")),
            null,
            $"wait for container {id}",
            idempotent: false,
            cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonSerializer.DeserializeAsync(body, DockerJsonContext.Default.ContainerWaitResponse, cancellationToken)
            ?? throw new InvalidDataException($"The engine gave no exit status for container {id}.");
    }

    public async Task StopAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seconds = ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        using var _ = await _client.SendAsync(
            HttpMethod.Post, $"/containers/{Escape(id)}/stop" + DockerClient.Query(("t", seconds)), null,
            $"stop container {id}", idempotent: true, cancellationToken, HttpStatusCode.NotModified);
    }

    public async Task KillAsync(string id, string signal, CancellationToken cancellationToken)
    {
        using var _ = await _client.SendAsync(
            HttpMethod.Post, $"/containers/{Escape(id)}/kill" + DockerClient.Query(("signal", signal)), null,
            $"send {signal} to container {id}", idempotent: false, cancellationToken);
    }

    /// <summary>
    /// Removes the container, and by default its anonymous volumes (an image's VOLUME paths nobody named): left
    /// behind, they would pile up with every helper of an image that declares one. Named volumes are never removed.
    /// One already gone counts as removed.
    /// </summary>
    public async Task RemoveAsync(string id, CancellationToken cancellationToken, bool force = true, bool removeVolumes = true)
    {
        using var _ = await _client.SendAsync(
            HttpMethod.Delete,
            $"/containers/{Escape(id)}" + DockerClient.Query(("force", force ? "1" : "0"), ("v", removeVolumes ? "1" : "0")),
            null,
            $"remove container {id}",
            idempotent: true,
            cancellationToken,
            HttpStatusCode.NotFound);
    }

    public async Task<ContainerInspect> InspectAsync(string idOrName, CancellationToken cancellationToken) =>
        await _client.GetJsonAsync(
            $"/containers/{Escape(idOrName)}/json", DockerJsonContext.Default.ContainerInspect, $"inspect container {idOrName}", cancellationToken);

    /// <summary>Inspects the container, or returns null when there is none by that id or name.</summary>
    public async Task<ContainerInspect?> TryInspectAsync(string idOrName, CancellationToken cancellationToken)
    {
        try
        {
            return await InspectAsync(idOrName, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<ContainerSummary>> ListAsync(
        CancellationToken cancellationToken, bool all = true, IReadOnlyDictionary<string, string?>? labels = null, string? name = null)
    {
        var extra = name is null ? [] : new[] { ("name", name) };
        return await _client.GetJsonAsync(
            "/containers/json" + DockerClient.Query(("all", all ? "1" : "0"), ("filters", DockerClient.LabelFilters(labels, extra))),
            DockerJsonContext.Default.IReadOnlyListContainerSummary,
            "list containers",
            cancellationToken);
    }

    /// <summary>Containers (running or not) that mount the named volume.</summary>
    public Task<IReadOnlyList<ContainerSummary>> ListUsingVolumeAsync(string volume, CancellationToken cancellationToken) =>
        _client.GetJsonAsync(
            "/containers/json" + DockerClient.Query(("all", "1"), ("filters", DockerClient.LabelFilters(null, ("volume", volume)))),
            DockerJsonContext.Default.IReadOnlyListContainerSummary,
            $"list the containers using volume {volume}",
            cancellationToken);

    /// <summary>
    /// Attaches to the container's streams. Attach before start so no output is missed; the stream ends when
    /// the container's process does.
    /// </summary>
    public Task<HijackedStream> AttachAsync(string id, bool stdin, CancellationToken cancellationToken) =>
        _client.HijackAsync(
            $"/containers/{Escape(id)}/attach" + DockerClient.Query(("stream", "1"), ("stdout", "1"), ("stderr", "1"), ("stdin", stdin ? "1" : "0")),
            null,
            $"attach to container {id}",
            cancellationToken);

    async Task<IProcessStreams> IContainerOperations.AttachAsync(string id, bool stdin, CancellationToken cancellationToken) =>
        new AttachedStreams(await AttachAsync(id, stdin, cancellationToken));

    /// <summary>The container's logs as a multiplexed stream (wrap it in <see cref="StdoutStream"/>).</summary>
    public async Task<Stream> LogsAsync(string id, bool follow, CancellationToken cancellationToken)
    {
        var response = await _client.SendAsync(
            HttpMethod.Get,
            $"/containers/{Escape(id)}/logs" + DockerClient.Query(("follow", follow ? "1" : "0"), ("stdout", "1"), ("stderr", "1")),
            null,
            $"read the logs of container {id}",
            idempotent: false,
            cancellationToken);
        return await ResponseStream.OpenAsync(response, cancellationToken);
    }

    /// <summary>A tar stream of <paramref name="path"/> in the container, made by the engine itself.</summary>
    public async Task<Stream> GetArchiveAsync(string id, string path, CancellationToken cancellationToken)
    {
        var response = await _client.SendAsync(
            HttpMethod.Get,
            $"/containers/{Escape(id)}/archive" + DockerClient.Query(("path", path)),
            null,
            $"read {path} from container {id}",
            idempotent: false,
            cancellationToken);
        return await ResponseStream.OpenAsync(response, cancellationToken);
    }

    /// <summary>
    /// What is at <paramref name="path"/> in the container, from the header of the archive API's HEAD answer; null
    /// when the engine finds nothing there (or no such container).
    /// </summary>
    public async Task<ContainerPathStat?> StatPathAsync(string id, string path, CancellationToken cancellationToken)
    {
        using var response = await _client.SendAsync(
            HttpMethod.Head,
            $"/containers/{Escape(id)}/archive" + DockerClient.Query(("path", path)),
            null,
            $"look at {path} in container {id}",
            idempotent: true,
            cancellationToken,
            HttpStatusCode.NotFound);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var header = response.Headers.TryGetValues(PathStatHeader, out var values) ? values.FirstOrDefault() : null;
        if (string.IsNullOrEmpty(header))
        {
            throw new InvalidDataException($"The engine's answer to 'look at {path} in container {id}' has no {PathStatHeader} header.");
        }

        return JsonSerializer.Deserialize(Convert.FromBase64String(header), DockerJsonContext.Default.ContainerPathStat)
            ?? throw new InvalidDataException($"The engine's answer to 'look at {path} in container {id}' has an empty {PathStatHeader} header.");
    }

    /// <summary>Extracts a tar stream into <paramref name="path"/> in the container, streamed as it is read.</summary>
    public async Task PutArchiveAsync(string id, string path, Stream tar, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tar);
        using var _ = await _client.SendAsync(
            HttpMethod.Put,
            $"/containers/{Escape(id)}/archive" + DockerClient.Query(("path", path)),
            () =>
            {
                var content = new StreamContent(tar, 256 * 1024);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
                return content;
            },
            $"write {path} into container {id}",
            idempotent: false,
            cancellationToken);
    }

    internal static string Escape(string value) => Uri.EscapeDataString(value);
}
