using System.Net;
using System.Text.Json;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker.Http;

internal sealed class ImageOperations : IImageOperations
{
    private readonly DockerTransport _client;

    internal ImageOperations(DockerTransport client) => _client = client;

    public Task<ImageInspect> InspectAsync(string reference, CancellationToken cancellationToken) =>
        _client.GetJsonAsync(
            $"/images/{reference}/json", DockerJsonContext.Default.ImageInspect, $"inspect image {reference}", cancellationToken);

    public async Task<ImageInspect?> TryInspectAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            return await InspectAsync(reference, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    public Task<IReadOnlyList<ImageSummary>> ListAsync(CancellationToken cancellationToken, string? reference = null)
    {
        var filters = reference is null ? null : DockerClient.LabelFilters(null, ("reference", reference));
        return _client.GetJsonAsync(
            "/images/json" + DockerClient.Query(("filters", filters)),
            DockerJsonContext.Default.IReadOnlyListImageSummary,
            "list images",
            cancellationToken);
    }

    /// <summary>
    /// Pulls the image, reporting each progress line; an error the engine reports inside the stream (the
    /// answer is 200 by then) fails the pull like any other.
    /// </summary>
    public async Task PullAsync(string reference, IProgress<ProgressMessage>? progress, CancellationToken cancellationToken)
    {
        var (name, tag) = SplitReference(reference);
        using var response = await _client.SendAsync(
            HttpMethod.Post,
            "/images/create" + DockerClient.Query(("fromImage", name), ("tag", tag)),
            null,
            $"pull image {reference}",
            idempotent: true,
            cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var message = JsonSerializer.Deserialize(line, DockerJsonContext.Default.ProgressMessage);
            if (message is null)
            {
                continue;
            }

            var error = message.ErrorDetail?.Message ?? message.Error;
            if (!string.IsNullOrEmpty(error))
            {
                throw new DockerApiException($"pull image {reference}", HttpStatusCode.InternalServerError, error);
            }

            progress?.Report(message);
        }
    }

    /// <summary>Pulls the image only when the engine does not have it yet.</summary>
    public async Task<ImageInspect> EnsureAsync(string reference, IProgress<ProgressMessage>? progress, CancellationToken cancellationToken)
    {
        var existing = await TryInspectAsync(reference, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        await PullAsync(reference, progress, cancellationToken);
        return await InspectAsync(reference, cancellationToken);
    }

    public async Task RemoveAsync(string reference, CancellationToken cancellationToken, bool force = false)
    {
        using var _ = await _client.SendAsync(
            HttpMethod.Delete,
            $"/images/{reference}" + DockerClient.Query(("force", force ? "1" : "0")),
            null,
            $"remove image {reference}",
            idempotent: true,
            cancellationToken,
            HttpStatusCode.NotFound);
    }

    /// <summary>Splits "registry:5000/name:tag" or "name@sha256:…" into the pull's name and tag; no tag means latest.</summary>
    internal static (string Name, string Tag) SplitReference(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return (reference[..at], reference[(at + 1)..]);
        }

        var slash = reference.LastIndexOf('/');
        var colon = reference.LastIndexOf(':');
        return colon > slash ? (reference[..colon], reference[(colon + 1)..]) : (reference, "latest");
    }
}
