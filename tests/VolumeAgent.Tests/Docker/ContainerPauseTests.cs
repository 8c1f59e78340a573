using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;

namespace VolumeAgent.Tests.Docker;

/// <summary>
/// A pause the kernel cannot freeze yet (a process in uninterruptible sleep) is asked again until a bound; the real
/// engine's answer, from a process held in state D, is in the integration tests' <c>ContainerPauseTests</c>.
/// </summary>
public sealed class ContainerPauseTests
{
    [Fact]
    public async Task Pause_RefusedAsUnableToFreeze_IsAskedAgainUntilTheEngineDoesIt()
    {
        await using var engine = await FakeEngineSocket.StartAsync("1.41", freezeRefusals: 2);
        await using var client = new LibraryEngine(DockerEndpoint.Unix(engine.Path), new EngineOptions { FreezeRetryDelay = TimeSpan.FromMilliseconds(1) });

        await client.Containers.PauseAsync("busy", CancellationToken.None);

        engine.RequestLines.Count(line => line.Contains("/containers/busy/pause", StringComparison.Ordinal)).Should().Be(3);
    }

    [Fact]
    public async Task Pause_StillRefusedAtTheBound_ThrowsNamingTheContainerWhyAndWhatToDo()
    {
        await using var engine = await FakeEngineSocket.StartAsync("1.41", freezeRefusals: int.MaxValue);
        var options = new EngineOptions { FreezeBound = TimeSpan.FromMilliseconds(300), FreezeRetryDelay = TimeSpan.FromMilliseconds(20) };
        await using var client = new LibraryEngine(DockerEndpoint.Unix(engine.Path), options);

        var act = () => client.Containers.PauseAsync("busy", CancellationToken.None);

        var thrown = (await act.Should().ThrowAsync<ContainerFreezeException>()).Which;
        var attempts = engine.RequestLines.Count(line => line.Contains("/containers/busy/pause", StringComparison.Ordinal));
        attempts.Should().BeGreaterThan(1);
        thrown.Attempts.Should().Be(attempts);
        thrown.Waited.Should().BeGreaterThanOrEqualTo(options.FreezeBound);
        thrown.Message.Should().StartWith("Could not pause container busy: for ")
            .And.Contain($"({attempts} attempts) the kernel could not freeze it")
            .And.Contain("uninterruptible sleep").And.Contain("left running").And.Contain("`docker top busy -o pid,stat,comm`")
            .And.EndWith("The engine said: Cannot pause container busy: OCI runtime pause failed: unable to freeze: unknown");
        var named = thrown.Naming("web-1");
        named.Message.Should().StartWith("Could not pause container web-1: ").And.Contain("`docker top web-1 -o");
        named.Attempts.Should().Be(attempts);
    }

    [Fact]
    public async Task Pause_OtherRefusal_IsNotAskedAgain()
    {
        await using var engine = await FakeEngineSocket.StartAsync("1.41");
        await using var client = new LibraryEngine(DockerEndpoint.Unix(engine.Path), new EngineOptions { FreezeRetryDelay = TimeSpan.FromMilliseconds(1) });

        var act = () => client.Containers.PauseAsync("gone", CancellationToken.None);

        (await act.Should().ThrowAsync<DockerApiException>()).Which.Should().NotBeOfType<ContainerFreezeException>();
        engine.RequestLines.Count(line => line.Contains("/pause", StringComparison.Ordinal)).Should().Be(1);
    }

    [Theory]
    [InlineData("Cannot pause container 2aac2e054acc: OCI runtime pause failed: unable to freeze: unknown", true)]
    [InlineData("Cannot pause container x: OCI runtime pause failed: timeout of 10s reached waiting for the cgroup to freeze: unknown", true)]
    [InlineData("Container x is not running", false)]
    [InlineData("Container x is already paused", false)]
    public void IsFreezeRefusal_KnowsRuncsWordsForBothCgroupVersions(string engineMessage, bool expected)
    {
        var refusal = new DockerApiException("pause container x", System.Net.HttpStatusCode.InternalServerError, engineMessage);

        ContainerFreezeException.IsFreezeRefusal(refusal).Should().Be(expected);
    }
}
