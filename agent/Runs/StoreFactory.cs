using VolumeAgent.Policy;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

internal static class StoreFactory
{
    public static IBackupStore Create(StorageOptions options) => StorageRegistry.Open(options);

    /// <summary>The store, writing this Swarm node's sets under <c>&lt;job&gt;@&lt;node&gt;</c> when <paramref name="node"/> is given.</summary>
    public static IBackupStore Create(StorageOptions options, string? node) => StorageRegistry.Open(options, node);
}
