namespace VolumeAgent.Docker.Models;

internal sealed class ImageInspect
{
    public required string Id { get; init; }

    public IReadOnlyList<string>? RepoTags { get; init; }

    public IReadOnlyList<string>? RepoDigests { get; init; }

    public string? Os { get; init; }

    public string? Architecture { get; init; }

    public long Size { get; init; }

    public ImageConfig? Config { get; init; }
}

internal sealed class ImageConfig
{
    public IReadOnlyList<string>? Env { get; init; }

    /// <summary>Paths the image declares as VOLUME (values are empty objects).</summary>
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement>? Volumes { get; init; }
}

internal sealed class ImageSummary
{
    public required string Id { get; init; }

    public IReadOnlyList<string>? RepoTags { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public long Size { get; init; }
}
