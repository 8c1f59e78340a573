using Serilog;
using Serilog.Core;
using Serilog.Events;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Sources;
using VolumeAgent.Swarm;
using VolumeAgent.Tests.Fakes;

namespace VolumeAgent.Tests.Swarm;

/// <summary>
/// A stack's volume that a task left on this node when Swarm moved it to another node: skipped here on a manager,
/// which can ask where the task runs now; backed up whenever that is not certain (scaled to 0, a worker, in use here).
/// </summary>
public sealed class LeftBehindVolumeTests : IAsyncDisposable
{
    private const string Volume = "sw_solo-data";
    private const string ServiceId = "svc-solo";
    private static readonly SwarmNode NodeA = new("node-id-a", "node-a", "sw");
    private readonly FakeDockerEngine _engine = new()
    {
        Info = new EngineInfo { Name = "node-a", SwarmNodeId = "node-id-a", SwarmState = "active", IsSwarmManager = true },
    };

    private readonly List<LogEvent> _logged = [];

    public LeftBehindVolumeTests()
    {
        _engine.Volumes.Add(Volume, new Dictionary<string, string> { [SwarmNode.StackLabel] = "sw" });
        _engine.Archives[Volume] = EngineTestSupport.Tar(("ready", "solo\n"));
        _engine.SwarmNodeNames["node-id-b"] = "node-b";
    }

    [Fact]
    public async Task TaskMovedToAnotherNode_OnAManager_TheVolumeLeftHereIsSkipped_NamingTheServiceAndTheNode()
    {
        AddEndedTask("task-1");
        Tasks(Task("task-1", "node-id-a", 1, "shutdown", "shutdown"), Task("task-2", "node-id-b", 1, "running", "running"));

        var act = () => PlanAsync();

        (await act.Should().ThrowAsync<NotOnThisNodeException>()).Which.Message.Should()
            .Contain($"Volume '{Volume}' was left behind on this node (node-a) by a task of sw_solo that moved to node node-b")
            .And.Contain($"docker volume rm {Volume}");
        _engine.Calls.Should().NotContain(c => c.StartsWith("create", StringComparison.Ordinal), "nothing is read of a volume skipped");
    }

    [Fact]
    public async Task ServiceScaledToZero_NoTaskRunsAnywhere_TheVolumeIsBackedUp()
    {
        AddEndedTask("task-1");
        Tasks(Task("task-1", "node-id-a", 1, "shutdown", "shutdown"));

        (await PlanAsync()).Should().ContainSingle();
        _engine.Calls.Should().Contain($"list tasks {ServiceId}");
    }

    [Fact]
    public async Task OnAWorker_WhereTheTasksApiDoesNotAnswer_TheVolumeIsBackedUp_AndTheLogSaysWhy()
    {
        _engine.Info = new EngineInfo { Name = "node-a", SwarmNodeId = "node-id-a", SwarmState = "active", IsSwarmManager = false };
        AddEndedTask("task-1");
        Tasks(Task("task-1", "node-id-a", 1, "shutdown", "shutdown"), Task("task-2", "node-id-b", 1, "running", "running"));

        (await PlanAsync()).Should().ContainSingle();
        _engine.Calls.Should().NotContain($"list tasks {ServiceId}", "a worker is not asked what only managers answer");
        _logged.Should().ContainSingle(e => e.MessageTemplate.Text.Contains("a worker cannot ask where the service runs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnAManagerWhoseTasksApiIsRefused_TheVolumeIsBackedUp_AndTheLogSaysWhy()
    {
        _engine.TasksRefusal = "GET /v1.41/tasks refused by a socket proxy: allow TASKS";
        AddEndedTask("task-1");
        Tasks(Task("task-1", "node-id-a", 1, "shutdown", "shutdown"), Task("task-2", "node-id-b", 1, "running", "running"));

        (await PlanAsync()).Should().ContainSingle();
        _logged.Should().ContainSingle(e => e.RenderMessage(null).Contains("allow TASKS", StringComparison.Ordinal) && e.RenderMessage(null).Contains("it is backed up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARunningContainerHereUsesIt_TheVolumeIsBackedUp_WithoutAskingSwarm()
    {
        AddEndedTask("task-1");
        _engine.Containers.Add("sw_solo.1.task-3", running: true, labels: TaskLabels("task-3"), volumes: [Volume]);
        Tasks(Task("task-1", "node-id-a", 1, "shutdown", "shutdown"), Task("task-2", "node-id-b", 1, "running", "running"));

        (await PlanAsync()).Should().ContainSingle();
        _engine.Calls.Should().NotContain($"list tasks {ServiceId}");
    }

    [Fact]
    public async Task VolumeOfNoStack_IsBackedUp_WithoutAskingSwarm()
    {
        _engine.Volumes.Add(Volume);
        AddEndedTask("task-1");
        Tasks(Task("task-1", "node-id-a", 1, "shutdown", "shutdown"), Task("task-2", "node-id-b", 1, "running", "running"));

        (await PlanAsync()).Should().ContainSingle();
        _engine.Calls.Should().NotContain($"list tasks {ServiceId}");
    }

    [Fact]
    public void MovedTo_OnlyWhenEverySlotEndedHereRunsElsewhere_AndNoneIsMeantToRunHere()
    {
        var ended = Task("t1", "node-id-a", 1, "shutdown", "shutdown");
        LeftBehindVolumes.MovedTo([ended, Task("t2", "node-id-b", 1, "running", "running")], ["t1"], "node-id-a").Should().Be("node-id-b");
        LeftBehindVolumes.MovedTo([ended, Task("t2", "node-id-b", 1, "running", "starting")], ["t1"], "node-id-a")
            .Should().BeNull("the new task does not run yet: the data may not be there");
        LeftBehindVolumes.MovedTo([ended, Task("t2", "node-id-b", 2, "running", "running")], ["t1"], "node-id-a")
            .Should().BeNull("another replica runs elsewhere, but slot 1 runs nowhere (scaled down)");
        LeftBehindVolumes.MovedTo([ended, Task("t2", "node-id-b", 1, "running", "running"), Task("t3", "node-id-a", 2, "running", "pending")], ["t1"], "node-id-a")
            .Should().BeNull("a task is about to run here, with this volume");
        LeftBehindVolumes.MovedTo([Task("t2", "node-id-b", 1, "running", "running")], ["t1"], "node-id-a")
            .Should().BeNull("Swarm no longer lists the ended task: where its slot went is unknown");
        LeftBehindVolumes.MovedTo([Task("g1", "node-id-a", 0, "shutdown", "shutdown"), Task("g2", "node-id-b", 0, "running", "running")], ["g1"], "node-id-a")
            .Should().BeNull("a global service's task on each node has its own data");
    }

    [Fact]
    public async Task WithTheRunsMarks_TheFirstRunAfterTheMove_BacksItUpOnceMore_AndOnlyRunsAfterASucceededArtifactSkipIt()
    {
        using var state = new VolumeAgent.Tests.Storage.TempDirectory();
        AddEndedTask("task-1");
        Tasks(Task("task-1", "node-id-a", 1, "shutdown", "shutdown"), Task("task-2", "node-id-b", 1, "running", "running"));

        // The first run after the move: what the task wrote after this node's last set is in no set yet.
        var first = new LeftBehindMarks(state.Path, "nightly");
        (await PlanAsync(first)).Should().ContainSingle();
        _logged.Should().ContainSingle(e => e.Level == LogEventLevel.Warning && e.RenderMessage(null).Contains("backed up once more", StringComparison.Ordinal));

        // Its artifact failed: the next run backs it up again.
        first.Commit([Artifact(ManifestStatus.Failed)]);
        var second = new LeftBehindMarks(state.Path, "nightly");
        (await PlanAsync(second)).Should().ContainSingle();

        // Stored: the runs after it skip the volume.
        second.Commit([Artifact(ManifestStatus.Succeeded)]);
        var act = () => PlanAsync(new LeftBehindMarks(state.Path, "nightly"));
        (await act.Should().ThrowAsync<NotOnThisNodeException>()).Which.Message.Should().Contain("moved to node node-b");

        // Another job has not stored it; nor has this job after a new move (another ended task).
        (await PlanAsync(new LeftBehindMarks(state.Path, "weekly"))).Should().ContainSingle();
        AddEndedTask("task-3");
        Tasks(Task("task-1", "node-id-a", 1, "shutdown", "shutdown"), Task("task-3", "node-id-a", 1, "shutdown", "shutdown"), Task("task-4", "node-id-b", 1, "running", "running"));
        (await PlanAsync(new LeftBehindMarks(state.Path, "nightly"))).Should().ContainSingle();
    }

    public ValueTask DisposeAsync() => _engine.DisposeAsync();

    private static ManifestArtifact Artifact(ManifestStatus status) => new()
    {
        File = $"volume-{Volume}.tar.gz",
        SourceKind = new ManifestSourceKind("volume"),
        SourceName = Volume,
        Format = new ManifestArtifactFormat("tar"),
        Compression = ManifestCompression.Gzip,
        RawBytes = 1,
        StoredBytes = 1,
        Sha256 = null,
        Status = status,
        StartedAt = DateTimeOffset.UnixEpoch,
        DurationMs = 1,
    };

    private static SwarmTask Task(string id, string node, long slot, string desired, string state) =>
        new() { Id = id, NodeId = node, Slot = slot, DesiredState = desired, State = state };

    private static Dictionary<string, string> TaskLabels(string task) => new()
    {
        [SwarmNode.ServiceLabel] = "sw_solo",
        [LeftBehindVolumes.ServiceIdLabel] = ServiceId,
        [SwarmNode.NodeLabel] = "node-id-a",
        [SwarmNode.TaskLabel] = task,
        [SwarmNode.StackLabel] = "sw",
    };

    private void AddEndedTask(string task) => _engine.Containers.Add($"sw_solo.1.{task}", running: false, labels: TaskLabels(task), volumes: [Volume]);

    private void Tasks(params SwarmTask[] tasks) => _engine.SwarmTasks[ServiceId] = [.. tasks];

    private async Task<IReadOnlyList<IArtifactProducer>> PlanAsync(LeftBehindMarks? marks = null)
    {
        var log = new LoggerConfiguration().WriteTo.Sink(new ListSink(_logged)).CreateLogger();
        var context = EngineTestSupport.Context(_engine, log);
        context = new SourceContext
        {
            Docker = context.Docker,
            HelperImage = context.HelperImage,
            Job = context.Job,
            RunId = context.RunId,
            InstanceId = context.InstanceId,
            Log = log,
            Containers = new ContainerResolver(_engine, "sw", NodeA),
            LeftBehind = marks,
        };
        var producers = await EngineTestSupport.CreateSource(context, EngineTestSupport.Source($"- volume: {Volume}")).PlanAsync(CancellationToken.None);
        foreach (var producer in producers)
        {
            await producer.DisposeAsync();
        }

        return producers;
    }

    private sealed class ListSink(List<LogEvent> events) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => events.Add(logEvent);
    }
}
