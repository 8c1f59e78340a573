using System.Net;
using VolumeAgent.Docker.Models;
using Lib = Docker.DotNet.Models;

namespace VolumeAgent.Docker.Engine;

/// <summary>Images through the library's image calls: the helper and scratch-server images the agent runs.</summary>
internal sealed class ImageOperations : IImageOperations
{
    private readonly EngineConnection _engine;

    internal ImageOperations(EngineConnection engine) => _engine = engine;

    public async Task<ImageInspect> InspectAsync(string reference, CancellationToken cancellationToken) =>
        ModelMapping.FromLibrary(await _engine.CallAsync(
            $"inspect image {reference}", idempotent: true, (c, ct) => c.Images.InspectImageAsync(reference, ct), cancellationToken));

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

    public async Task<IReadOnlyList<ImageSummary>> ListAsync(CancellationToken cancellationToken, string? reference = null)
    {
        var filters = reference is null ? null : ModelMapping.Filters(null, ("reference", reference));
        var images = await _engine.CallAsync(
            "list images", idempotent: true, (c, ct) => c.Images.ListImagesAsync(new Lib.ImagesListParameters { Filters = filters }, ct), cancellationToken);
        return images.Select(ModelMapping.FromLibrary).ToList();
    }

    /// <summary>
    /// Pulls the image, reporting each progress line; an error the engine reports inside the stream (the answer is 200
    /// by then) fails the pull like any other.
    /// </summary>
    public async Task PullAsync(string reference, IProgress<ProgressMessage>? progress, CancellationToken cancellationToken)
    {
        var (name, tag) = SplitReference(reference);
        var operation = $"pull image {reference}";
        await _engine.CallAsync(
            operation,
            idempotent: true,
            (c, ct) => c.Images.CreateImageAsync(
                new Lib.ImagesCreateParameters { FromImage = name, Tag = tag }, null, new PullProgress(operation, progress), ct),
            cancellationToken);
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
        try
        {
            await _engine.CallAsync(
                $"remove image {reference}",
                idempotent: true,
                (c, ct) => c.Images.DeleteImageAsync(reference, new Lib.ImageDeleteParameters { Force = force }, ct),
                cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound)
        {
        }
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

    /// <summary>Reports each line of the pull as the library reads it, and fails the pull on the first error line.</summary>
    private sealed class PullProgress(string operation, IProgress<ProgressMessage>? progress) : IProgress<Lib.JSONMessage>
    {
        public void Report(Lib.JSONMessage value)
        {
            if (value.Error?.Message is { Length: > 0 } error)
            {
                throw new DockerApiException(operation, HttpStatusCode.InternalServerError, error);
            }

            progress?.Report(ModelMapping.FromLibrary(value));
        }
    }
}
