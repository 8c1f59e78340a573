using System.Diagnostics;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

/// <summary>
/// The engine layer's pause against a container the kernel cannot freeze yet: its process is in uninterruptible
/// sleep (<see cref="DiskWaitContainer"/>), as a database's or SFTP server's is while its disk is slow.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class ContainerPauseTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ContainerPauseTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task PauseAsync_ProcessInUninterruptibleSleep_IsAskedAgainUntilTheKernelCanFreezeIt()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var waiting = await DiskWaitContainer.StartAsync(scope, TimeSpan.FromSeconds(6), cts.Token);

        var bare = await CommandLine.DockerAsync(cts.Token, "pause", waiting.Name);
        _output.WriteLine($"docker pause while its dd is in state D: {bare}");
        bare.ExitCode.Should().NotBe(0, "the premise: the engine refuses to pause a container the freezer cannot stop (cgroup v1 here)");
        bare.Stderr.Should().Contain("unable to freeze");
        (await IsPausedAsync(waiting.Name, cts.Token)).Should().BeFalse("a refused pause leaves the container running");

        var clock = Stopwatch.StartNew();
        await _docker.Engine.Containers.PauseAsync(waiting.Name, cts.Token);
        _output.WriteLine($"the agent's pause took {clock.Elapsed.TotalSeconds:0.0} s");

        (await IsPausedAsync(waiting.Name, cts.Token)).Should().BeTrue();
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1), "it waited for dd to leave state D");
        await _docker.Engine.Containers.UnpauseAsync(waiting.Name, cts.Token);
    }

    [Fact]
    public async Task PauseAsync_StillUnfreezableAtTheBound_ThrowsNamingTheContainerAndWhy_AndLeavesItRunning()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var waiting = await DiskWaitContainer.StartAsync(scope, TimeSpan.FromSeconds(10), cts.Token);
        var options = new EngineOptions { FreezeBound = TimeSpan.FromSeconds(2) };
        await using var engine = new LibraryEngine(DockerEndpoint.FromEnvironment(), options);

        var act = () => engine.Containers.PauseAsync(waiting.Name, cts.Token);

        var thrown = (await act.Should().ThrowAsync<ContainerFreezeException>()).Which;
        _output.WriteLine(thrown.Message);
        thrown.Attempts.Should().BeGreaterThan(1);
        thrown.Message.Should().StartWith($"Could not pause container {waiting.Name}: for ")
            .And.Contain("uninterruptible sleep").And.Contain("left running")
            .And.Contain("The engine said: Cannot pause container").And.Contain("unable to freeze");
        (await IsPausedAsync(waiting.Name, cts.Token)).Should().BeFalse("what the error says is true: it runs");

        await waiting.WhenReadDoneAsync(TimeSpan.FromSeconds(30), cts.Token);
        await engine.Containers.PauseAsync(waiting.Name, cts.Token);
        (await IsPausedAsync(waiting.Name, cts.Token)).Should().BeTrue("once out of state D it pauses at the first attempt");
        await engine.Containers.UnpauseAsync(waiting.Name, cts.Token);
    }

    private static async Task<bool> IsPausedAsync(string container, CancellationToken cancellationToken) =>
        await CommandLine.DockerOkAsync(cancellationToken, "inspect", "--format", "{{.State.Paused}}", container) == "true";
}
