using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

[Collection(DockerTests.Name)]
public sealed class VolumeTests
{
    private const string CaseLabel = "io.volume-agent.test-case";
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public VolumeTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task CreateAsync_WithLabels_InspectShowsNameDriverAndLabels()
    {
        await using var scope = _docker.CreateScope(_output);

        var name = await scope.CreateVolumeAsync("create", Ct, (CaseLabel, "create"), ("com.example.team", "storage"));
        var volume = await _docker.Engine.Volumes.InspectAsync(name, Ct);

        volume.Name.Should().Be(name);
        volume.Driver.Should().Be("local");
        volume.Scope.Should().Be("local");
        volume.Mountpoint.Should().EndWith($"/{name}/_data");
        volume.CreatedAt.Should().NotBeNullOrEmpty();
        volume.Labels.Should().Contain(DockerFixture.RunLabel, _docker.TestRunId)
            .And.Contain(DockerFixture.OwnerLabel, DockerFixture.OwnerValue)
            .And.Contain(CaseLabel, "create")
            .And.Contain("com.example.team", "storage");
    }

    [Fact]
    public async Task ListAsync_FilteredByLabel_SeesMatchingVolumesOnly()
    {
        await using var scope = _docker.CreateScope(_output);
        var wanted = Guid.NewGuid().ToString("N");
        var first = await scope.CreateVolumeAsync("list-a", Ct, (CaseLabel, wanted));
        var second = await scope.CreateVolumeAsync("list-b", Ct, (CaseLabel, wanted));
        var other = await scope.CreateVolumeAsync("list-other", Ct, (CaseLabel, "someone-else"));
        var unlabelledName = _docker.UniqueName("list-bare");

        var byValue = await _docker.Engine.Volumes.ListAsync(Ct, labels: new Dictionary<string, string?> { [CaseLabel] = wanted });
        var byKey = await _docker.Engine.Volumes.ListAsync(Ct, labels: new Dictionary<string, string?> { [CaseLabel] = null });
        var byName = await _docker.Engine.Volumes.ListAsync(Ct, name: other);

        byValue.Select(v => v.Name).Should().BeEquivalentTo([first, second]);
        byValue.Should().AllSatisfy(v => v.Labels.Should().Contain(CaseLabel, wanted));
        byKey.Select(v => v.Name).Should().Contain([first, second, other]).And.NotContain(unlabelledName);
        byName.Select(v => v.Name).Should().Equal(other);
    }

    [Fact]
    public async Task RemoveAsync_ExistingVolume_IsGoneAndRemovingAgainSucceeds()
    {
        await using var scope = _docker.CreateScope(_output);
        var name = await scope.CreateVolumeAsync("remove", Ct);

        await _docker.Engine.Volumes.RemoveAsync(name, Ct);
        var afterRemove = await _docker.Engine.Volumes.TryInspectAsync(name, Ct);
        var removeAgain = () => _docker.Engine.Volumes.RemoveAsync(name, Ct);

        afterRemove.Should().BeNull();
        await removeAgain.Should().NotThrowAsync("a volume already gone counts as removed");
    }

    [Fact]
    public async Task TryInspectAsync_MissingVolume_ReturnsNull()
    {
        var volume = await _docker.Engine.Volumes.TryInspectAsync(_docker.UniqueName("missing"), Ct);

        volume.Should().BeNull();
    }

    [Fact]
    public async Task InspectAsync_MissingVolume_ThrowsNotFoundWithEngineMessage()
    {
        var name = _docker.UniqueName("missing");

        var thrown = await _docker.Engine.Volumes.Invoking(v => v.InspectAsync(name, Ct)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsNotFound.Should().BeTrue();
        thrown.Which.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
        thrown.Which.Operation.Should().Be($"inspect volume {name}");
        thrown.Which.EngineMessage.Should().Contain(name).And.ContainEquivalentOf("no such volume");
        thrown.Which.Message.Should().Contain(name).And.Contain("404");
    }

    [Fact]
    public async Task RemoveAsync_VolumeUsedByContainer_ThrowsConflictNamingIt()
    {
        await using var scope = _docker.CreateScope(_output);
        var name = await scope.CreateVolumeAsync("in-use", Ct);
        await scope.CreateContainerAsync(
            new ContainerCreateRequest
            {
                Image = TestImages.Helper,
                Cmd = ["true"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { Mounts = [new MountSpec { Type = "volume", Source = name, Target = "/data" }] },
            },
            Ct);

        var thrown = await _docker.Engine.Volumes.Invoking(v => v.RemoveAsync(name, Ct)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsConflict.Should().BeTrue();
        thrown.Which.EngineMessage.Should().Contain(name).And.ContainEquivalentOf("in use");
        (await _docker.Engine.Volumes.TryInspectAsync(name, Ct)).Should().NotBeNull();
    }
}
