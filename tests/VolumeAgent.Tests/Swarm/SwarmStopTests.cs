using Serilog.Core;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Docker.Models;
using VolumeAgent.Runs;
using VolumeAgent.Runs.Stops;
using VolumeAgent.Sources;
using VolumeAgent.Swarm;
using VolumeAgent.Tests.Fakes;
using VolumeAgent.Tests.Pipeline;

namespace VolumeAgent.Tests.Swarm;

/// <summary>
/// <c>stop_containers</c> naming a Swarm service pauses its task here (a stopped task would be replaced by Swarm), and
/// the stop journal brings a paused task back after a crash as it starts a stopped container.
/// </summary>
public sealed class SwarmStopTests : IDisposable
{
    private static readonly SwarmNode NodeA = new("node-id-a", "node-a", "mystack");
    private readonly TempDirectory _state = new();
    private readonly AgentInstance _live;
    private readonly FakeDockerEngine _engine = new()
    {
        Info = new EngineInfo { Name = "node-a", SwarmNodeId = "node-id-a", SwarmState = "active" },
    };

    private readonly FakeContainer _app;
    private readonly ContainerResolver _resolver;

    public SwarmStopTests()
    {
        _live = AgentInstance.Acquire(_state.Path);
        _app = _engine.Containers.Add(
            "mystack_app.1.abc",
            labels: new Dictionary<string, string>
            {
                [SwarmNode.ServiceLabel] = "mystack_app",
                [SwarmNode.NodeLabel] = "node-id-a",
                [SwarmNode.TaskLabel] = "abc",
            });
        _resolver = new ContainerResolver(_engine, "mystack", NodeA);
    }

    [Fact]
    public async Task ServiceTask_IsPausedWhileHeld_AndUnpausedAfter_NeverStopped()
    {
        var stopper = await StopAsync(["app", "mystack_other"]);

        _app.Paused.Should().BeTrue();
        _app.Running.Should().BeTrue();
        using (var journal = StopJournal.TryOpen(_state.Path, Logger.None)!)
        {
            journal.Find(_app.Id)!.Paused.Should().BeTrue("the journal says how to bring it back");
        }

        await stopper!.RestartAsync();

        _app.Paused.Should().BeFalse();
        _engine.Calls.Should().Equal("pause mystack_app.1.abc", "unpause mystack_app.1.abc");
        StopJournal.Exists(_state.Path).Should().BeFalse();
    }

    [Fact]
    public async Task ServiceTaskTheKernelCannotFreeze_FailsNamingIt_AndIsLeftRunningAndOutOfTheJournal()
    {
        var refusal = new DockerApiException(
            $"pause container {_app.Id}", System.Net.HttpStatusCode.InternalServerError, $"Cannot pause container {_app.Id}: OCI runtime pause failed: unable to freeze: unknown");
        _app.FailPause = new ContainerFreezeException(_app.Id, 37, TimeSpan.FromSeconds(30.2), refusal);

        var act = () => StopAsync(["app"]);

        (await act.Should().ThrowAsync<ContainerFreezeException>()).Which.Message.Should()
            .StartWith("Could not pause container mystack_app.1.abc: for 30.2 s (37 attempts) the kernel could not freeze it")
            .And.Contain("`docker top mystack_app.1.abc -o pid,stat,comm`").And.EndWith("unable to freeze: unknown");
        _app.Paused.Should().BeFalse();
        _app.Running.Should().BeTrue();
        _engine.Calls.Should().Equal(["pause mystack_app.1.abc"], "a pause that did not take is not undone");
        StopJournal.Exists(_state.Path).Should().BeFalse("the journal holds nothing the run did not pause");
    }

    [Fact]
    public async Task AgentKilledWhileTheTaskIsPaused_RecoveryUnpausesIt()
    {
        RecordPausedByDeadRun();
        _app.Paused = true;

        await StopRecovery.RecoverAsync(EngineRegistry.Of(_engine), _state.Path, TimeProvider.System, Logger.None, CancellationToken.None);

        _app.Paused.Should().BeFalse();
        _engine.Calls.Should().Equal("unpause mystack_app.1.abc");
        StopJournal.Exists(_state.Path).Should().BeFalse();
    }

    [Fact]
    public async Task AgentKilledWhileTheTaskIsPaused_SomeoneUnpausedIt_RecoveryLeavesItAlone()
    {
        RecordPausedByDeadRun();

        await StopRecovery.RecoverAsync(EngineRegistry.Of(_engine), _state.Path, TimeProvider.System, Logger.None, CancellationToken.None);

        _engine.Calls.Should().BeEmpty();
        StopJournal.Exists(_state.Path).Should().BeFalse();
    }

    [Fact]
    public async Task TaskPausedByItsOperator_IsLeftAsItIs()
    {
        _app.Paused = true;

        (await StopAsync(["app"])).Should().BeNull();

        _app.Paused.Should().BeTrue();
        _engine.Calls.Should().BeEmpty();
    }

    public void Dispose()
    {
        _live.Dispose();
        _state.Dispose();
    }

    private Task<ContainerStopper?> StopAsync(IReadOnlyList<string> names) =>
        ContainerStopper.StopAsync(_engine, EngineRegistry.DefaultName, _resolver, names, _state.Path, _live.Id, "nightly", "1a2b3c4d", TimeProvider.System, Logger.None, CancellationToken.None);

    private void RecordPausedByDeadRun()
    {
        var dead = AgentInstance.Acquire(_state.Path);
        var holder = new JournalHolder(dead.Id, "nightly", "dddd0001");
        dead.Dispose();
        using var journal = StopJournal.TryOpen(_state.Path, Logger.None)!;
        journal.RecordStop(_app.Id, "mystack_app.1.abc", _app.Inspect().State!.StartedAt, holder, paused: true);
        journal.Save();
    }
}
