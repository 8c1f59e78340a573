using VolumeAgent.Docker.Models;

namespace VolumeAgent.Sources.Shared.Helpers;

/// <summary>A throwaway container that runs one command and streams its stdout.</summary>
internal sealed record HelperSpec
{
    public required string Image { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    public required IReadOnlyList<MountSpec> Mounts { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Capabilities beyond none at all; reading every file needs DAC_READ_SEARCH.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = ["DAC_READ_SEARCH"];

    /// <summary>Root by default whatever the image says: reading every file needs it (capabilities stay dropped).</summary>
    public string User { get; init; } = "0:0";

    public bool Stdin { get; init; }

    /// <summary>The helper's environment (<c>NAME=value</c>); secrets passed this way stay off command lines and logs.</summary>
    public IReadOnlyList<string>? Environment { get; init; }

    /// <summary>No network unless a helper must reach a server (a remote repository).</summary>
    public string NetworkMode { get; init; } = "none";

    /// <summary>What the helper is for, in messages: "archive volume uploads".</summary>
    public required string Purpose { get; init; }
}
