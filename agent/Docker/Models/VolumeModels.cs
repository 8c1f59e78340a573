namespace VolumeAgent.Docker.Models;

internal sealed class VolumeInfo
{
    public required string Name { get; init; }

    public string? Driver { get; init; }

    public string? Mountpoint { get; init; }

    public string? Scope { get; init; }

    public string? CreatedAt { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

