using VolumeAgent.Storage;

namespace VolumeAgent.Tests.Manifest.Sets;

/// <summary>The shared set logic over the smallest storage there is: the in-memory test double.</summary>
public sealed class InMemorySetStoreTests : SetStoreContractTests
{
    private protected override IObjectStore CreateObjects() => new InMemoryObjectStore();
}
