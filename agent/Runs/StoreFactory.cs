using VolumeAgent.Policy;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

internal static class StoreFactory
{
    public static IBackupStore Create(StorageOptions options) => StorageRegistry.Open(options);
}
