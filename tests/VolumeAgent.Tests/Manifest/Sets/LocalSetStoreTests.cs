using VolumeAgent.Storage;
using VolumeAgent.Storage.Local;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Manifest.Sets;

/// <summary>The shared set logic over the local directory storage: the same contract as every other storage.</summary>
public sealed class LocalSetStoreTests : SetStoreContractTests, IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private protected override IObjectStore CreateObjects() => new LocalDirectoryStore(_temp.Combine("backups"), createRoot: true);
}
