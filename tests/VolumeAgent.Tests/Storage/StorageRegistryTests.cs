using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Local;
using VolumeAgent.Storage.S3;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Storage;

/// <summary>Storage types reach the rest of the agent only through the registry: backup.yml keys, summaries, problems and stores.</summary>
public sealed class StorageRegistryTests : IDisposable
{
    private const string Yaml = """
        storage:
          local: { type: local, path: /nonexistent/backups, create: true }
          offsite: { type: s3, endpoint: "https://s3.example.com", bucket: shop, access_key: a, secret_key: s }
        jobs:
          nightly:
            storage: [local]
            sources: [{ volume: data }]
        """;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Open_S3Storage_IsTheSharedSetStoreOverTheBucket()
    {
        var offsite = PolicyTestHelpers.Load(Yaml).Storage["offsite"];

        var store = StorageRegistry.Open(offsite);

        StorageRegistry.For(offsite).IsAvailable.Should().BeTrue();
        store.Should().BeOfType<SetStore>().Which.Objects.Should().BeOfType<S3ObjectStore>();
        store.Location.Should().Be("s3://shop/ at https://s3.example.com/");
    }

    [Fact]
    public void Open_LocalStorage_IsTheSharedSetStoreOverItsDirectory()
    {
        var options = new LocalStorageOptions { Name = "local", Path = _temp.Combine("backups"), Create = true };

        var store = StorageRegistry.Open(options);

        var directory = store.Should().BeOfType<SetStore>().Which.Objects.Should().BeOfType<LocalDirectoryStore>().Which;
        directory.RootPath.Should().Be(options.Path);
        directory.CreateRoot.Should().BeTrue();
        StorageRegistry.For(options).IsAvailable.Should().BeTrue();
    }

    [Fact]
    public void FindProblem_MissingLocalDirectory_SaysSoWithoutCreatingIt()
    {
        var missing = new LocalStorageOptions { Name = "local", Path = _temp.Combine("share", "backups") };
        var present = new LocalStorageOptions { Name = "local", Path = _temp.Path };
        var offsite = PolicyTestHelpers.Load(Yaml).Storage["offsite"];

        StorageRegistry.For(missing).FindProblem(missing).Should().Contain($"'{missing.Path}' does not exist");
        Directory.Exists(missing.Path).Should().BeFalse();
        StorageRegistry.For(present).FindProblem(present).Should().BeNull();
        StorageRegistry.For(offsite).FindProblem(offsite).Should().BeNull();
    }

    [Fact]
    public void Describe_EachType_SaysWhereSetsGo()
    {
        var policy = PolicyTestHelpers.Load(Yaml);

        StorageRegistry.For(policy.Storage["local"]).Describe(policy.Storage["local"]).Should().Be("local directory /nonexistent/backups (create: true)");
        StorageRegistry.For(policy.Storage["offsite"]).Describe(policy.Storage["offsite"]).Should().Be("s3 bucket shop at https://s3.example.com/, region us-east-1");
    }

    [Fact]
    public void Providers_EachHaveTypeAndTheirKeysAreKnownToThePolicy()
    {
        foreach (var provider in StorageRegistry.Providers)
        {
            provider.Keys.Should().Contain("type");
            PolicyKeys.All.Should().Contain(provider.Keys);
        }

        StorageRegistry.ExplainOtherTypesKey("bucket", "local").Should().Be("'bucket' applies to s3 storage only, and this one is local");
        StorageRegistry.ExplainOtherTypesKey("path", "local").Should().BeNull();
    }
}
