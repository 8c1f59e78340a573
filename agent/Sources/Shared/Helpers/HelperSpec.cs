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

    /// <summary>What the helper is for, in messages: "archive volume uploads".</summary>
    public required string Purpose { get; init; }
}
