using VolumeAgent.Policy;

namespace VolumeAgent.Storage.Local;

/// <summary>A directory in the agent's file system, usually a bind mount of a host directory.</summary>
internal sealed record LocalStorageOptions : StorageOptions
{
    public const string TypeName = "local";

    /// <summary>Absolute path inside the agent container.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// <c>create: true</c>: the agent may create <see cref="Path"/> itself when its parent exists. Otherwise the
    /// directory must exist, so that a backup share that failed to mount is not filled from underneath.
    /// </summary>
    public bool Create { get; init; }

    public override string Type => TypeName;
}
