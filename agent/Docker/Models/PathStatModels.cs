namespace VolumeAgent.Docker.Models;

/// <summary>A path in a container as the engine's archive API describes it (HEAD /containers/{id}/archive).</summary>
internal sealed class ContainerPathStat
{
    /// <summary>Go's os.FileMode bit for a directory.</summary>
    public const uint DirectoryBit = 1u << 31;

    /// <summary>Go's os.FileMode bit for a symbolic link.</summary>
    public const uint SymlinkBit = 1u << 27;

    public string? Name { get; init; }

    public long Size { get; init; }

    /// <summary>Permission bits plus Go's type bits (<see cref="DirectoryBit"/>, <see cref="SymlinkBit"/>).</summary>
    public uint Mode { get; init; }

    public string? Mtime { get; init; }

    public string? LinkTarget { get; init; }

    public bool IsDirectory => (Mode & DirectoryBit) != 0;
}
