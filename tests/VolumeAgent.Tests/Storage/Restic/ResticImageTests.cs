using VolumeAgent.Docker.Models;
using VolumeAgent.Policy.Reading;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Restic;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Storage.Restic;

/// <summary>The restic storage's <c>image</c>: the configured one, else the agent's own container's, else an error naming the storage and the fix.</summary>
public sealed class ResticImageTests
{
    private const string ImageId = "sha256:4f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4";

    private static readonly PolicyEnvironment Env = FakePolicyEnvironment.Create(files: new Dictionary<string, string> { ["/run/secrets/restic"] = "repo-pw\n" });

    private static readonly ContainerInspect Self = new() { Id = "0123456789ab", Image = ImageId, Config = new ContainerConfig { Image = "volume-agent:1.4" } };

    [Fact]
    public void WithoutImage_ThePolicyLoads_AndSaysTheAgentsOwnImageIsUsed()
    {
        var restic = (ResticStorageOptions)PolicyTestHelpers.Load(Yaml(string.Empty), Env).Storage["vault"];

        restic.Image.Should().BeNull();
        new ResticStorageProvider().Describe(restic).Should().Be("restic repository /backups/restic (helper image the agent's own)");
    }

    [Fact]
    public void AConfiguredImage_IsUsed_WhereverTheAgentRuns()
    {
        var restic = Options("restic-helper:1");

        ResticImage.Choose(restic, inContainer: true, "0123456789ab", Self).Should().Be(new ResticImage.Choice("restic-helper:1", "restic-helper:1"));
        ResticImage.Choose(restic, inContainer: false, "myhost", self: null).Reference.Should().Be("restic-helper:1");
    }

    [Fact]
    public void WithoutImage_InAContainer_TheAgentsOwnImageIsUsed_ByItsId()
    {
        var choice = ResticImage.Choose(Options(null), inContainer: true, "0123456789ab", Self);

        choice.Reference.Should().Be(ImageId, "the helpers run exactly the agent's image, even after its tag moved on");
        choice.Shown.Should().Be("the agent's own, volume-agent:1.4 (sha256:4f1e2d3c4b5a)");
    }

    [Fact]
    public void WithoutImage_OnTheHost_IsAnError_NamingTheStorageAndTheFix()
    {
        var act = () => ResticImage.Choose(Options(null), inContainer: false, "myhost", self: null);

        act.Should().Throw<StorageException>().Which.Message.Should()
            .Contain("restic storage 'vault'").And.Contain("'image' is not set").And.Contain("runs on the host")
            .And.Contain("Name an image with restic 0.14.0 or newer in the storage's 'image'");
    }

    [Fact]
    public void WithoutImage_InAContainerTheEngineDoesNotKnow_IsAnError_NamingTheHostname()
    {
        var act = () => ResticImage.Choose(Options(null), inContainer: true, "cafe0000beef", self: null);

        act.Should().Throw<StorageException>().Which.Message.Should()
            .Contain("restic storage 'vault'").And.Contain("hostname cafe0000beef").And.Contain("in the storage's 'image'");
    }

    private static ResticStorageOptions Options(string? image) =>
        new() { Name = "vault", Repository = "/backups/restic", Password = new VolumeAgent.Policy.Secret("x"), Image = image };

    private static string Yaml(string keys) =>
        $"storage:\n  vault: {{ type: restic, repository: /backups/restic, password_file: /run/secrets/restic{keys} }}\njobs:\n  j:\n    storage: [vault]\n    sources: [{{ volume: data }}]\n";
}
