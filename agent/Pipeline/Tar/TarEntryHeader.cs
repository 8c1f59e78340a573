namespace VolumeAgent.Pipeline.Tar;

/// <summary>An entry's header with the metadata headers before it applied (<see cref="TarHeaderReader.ReadEntry"/>).</summary>
/// <param name="StoredName">The name exactly as the archive stores it.</param>
/// <param name="Path">The name normalized like every path the parser reports.</param>
/// <param name="Size">The size field: a regular file's content length.</param>
/// <param name="DataLength">The data that follows the header: 0 for links, devices, directories and FIFOs.</param>
/// <param name="StoredLink">A link's target exactly as stored; null for other entries.</param>
/// <param name="LinkTarget">A symlink's target as stored, or a hard link's normalized like a path; null otherwise.</param>
internal readonly record struct TarEntryHeader(
    byte TypeFlag,
    string StoredName,
    string Path,
    TarEntryType Type,
    long Size,
    long DataLength,
    string? StoredLink,
    string? LinkTarget);
