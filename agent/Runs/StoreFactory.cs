using VolumeAgent.Policy;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

internal static class StoreFactory
{
    public static IBackupStore Create(StorageOptions options) => options switch
    {
        LocalStorageOptions local => new LocalDirectoryStore(local.Path, local.Create),
        S3StorageOptions => throw new NotSupportedException(
            $"Storage '{options.Name}' is of type s3, which this version of the agent cannot write yet. Use a `type: local` storage (for example a mounted network share) for now."),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Type, "Unknown storage type."),
    };
}
