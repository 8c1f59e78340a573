using VolumeAgent.Crypto;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore;

/// <summary>A backup set as found in one of the configured storages.</summary>
internal sealed record StoredSet(string StorageName, IBackupStore Store, BackupSetInfo Set)
{
    /// <summary>job/directory, as commands print and accept it.</summary>
    public string Name => $"{Set.Job}/{Set.DirectoryName}";

    /// <summary>What decrypts the set's age-encrypted artifacts (restore's and verify's --identity); null when none was given.</summary>
    public DecryptionKeys? Keys { get; init; }
}
