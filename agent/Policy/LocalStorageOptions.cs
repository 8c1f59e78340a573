namespace VolumeAgent.Policy;

/// <summary>A directory in the agent's file system, usually a bind mount of a host directory.</summary>
internal sealed record LocalStorageOptions : StorageOptions
{
    public const string TypeName = "local";

    /// <summary>Absolute path inside the agent container.</summary>
    public required string Path { get; init; }

    public override string Type => TypeName;
}
