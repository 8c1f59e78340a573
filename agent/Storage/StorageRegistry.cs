using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Storage.Local;
using VolumeAgent.Storage.Restic;
using VolumeAgent.Storage.S3;
using VolumeAgent.Storage.Sftp;

namespace VolumeAgent.Storage;

/// <summary>
/// Every storage type the agent knows, one line each. backup.yml's <c>storage</c> map, <c>validate</c> and the stores a
/// run writes to all go through here; adding a storage is its folder under <c>Storage/</c> plus its line below.
/// </summary>
internal static class StorageRegistry
{
    /// <summary>In the order <c>type</c>'s choices are listed in messages.</summary>
    public static IReadOnlyList<IStorageProvider> Providers { get; } =
    [
        new LocalStorageProvider(),
        new S3StorageProvider(),
        new SftpStorageProvider(),
        new ResticStorageProvider(),
    ];

    /// <summary>Every key of every storage type.</summary>
    public static IReadOnlyList<string> AllKeys { get; } = [.. Providers.SelectMany(p => p.Keys).Distinct(StringComparer.Ordinal)];

    public static IStorageProvider For(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Providers.FirstOrDefault(p => string.Equals(p.TypeName, options.Type, StringComparison.Ordinal))
            ?? throw new ArgumentOutOfRangeException(nameof(options), options.Type, "Unknown storage type.");
    }

    /// <summary>The sets of a storage, written and read the same way whatever its type.</summary>
    /// <exception cref="NotSupportedException">This version cannot write the storage's type yet.</exception>
    public static IBackupStore Open(StorageOptions options, string? node = null) => new SetStore(For(options).Open(options), node);

    /// <summary>
    /// The explanation for a key that belongs to another storage type than <paramref name="type"/>, e.g. "'bucket'
    /// applies to s3 storage only, and this one is local"; null when no other type has the key.
    /// </summary>
    public static string? ExplainOtherTypesKey(string key, string type) =>
        !Providers.Any(p => string.Equals(p.TypeName, type, StringComparison.Ordinal) && p.Keys.Contains(key))
        && Providers.FirstOrDefault(p => !string.Equals(p.TypeName, type, StringComparison.Ordinal) && p.Keys.Contains(key)) is { } other
            ? $"'{key}' applies to {other.TypeName} storage only, and this one is {type}"
            : null;
}
