namespace VolumeAgent.Pipeline.Tar;

internal enum TarEntryType
{
    File,
    Directory,
    Symlink,
    HardLink,

    /// <summary>Devices, FIFOs, sparse files and anything else: recorded, never interpreted.</summary>
    Other,
}
