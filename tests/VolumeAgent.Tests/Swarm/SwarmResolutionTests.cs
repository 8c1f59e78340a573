using VolumeAgent.Docker.Models;
using VolumeAgent.Sources;
using VolumeAgent.Swarm;
using VolumeAgent.Tests.Fakes;

namespace VolumeAgent.Tests.Swarm;

/// <summary>A source's container named by its Swarm service: the running task on this node, or none here.</summary>
public sealed class SwarmResolutionTests : IAsyncDisposable
{
    private static readonly SwarmNode NodeA = new("node-id-a", "node-a", "mystack");
    private readonly FakeDockerEngine _engine = new()
    {
        Info = new EngineInfo { Name = "node-a", SwarmNodeId = "node-id-a", SwarmState = "active" },
    };

    private int _tasks;

    [Fact]
    public async Task ServiceName_ResolvesToTheRunningTaskOnThisNode_NotAnotherNodesNorAnEarlierExitedOne()
    {
        AddTask("mystack_db", "node-id-b");
        AddTask("mystack_db", "node-id-a", running: false);
        var mine = AddTask("mystack_db", "node-id-a");
        var resolver = new ContainerResolver(_engine, "mystack", NodeA);

        (await resolver.ResolveAsync("mystack_db", CancellationToken.None)).Id.Should().Be(mine.Id);
        (await resolver.ResolveAsync("db", CancellationToken.None)).Id.Should().Be(mine.Id, "within the agent's stack a service is named as in the stack file");
    }

    [Fact]
    public async Task AgentOutsideSwarm_FindsTheTaskByTheEnginesNodeId()
    {
        var mine = AddTask("mystack_db", "node-id-a");
        var resolver = new ContainerResolver(_engine, project: null);

        (await resolver.ResolveAsync("mystack_db", CancellationToken.None)).Id.Should().Be(mine.Id);
    }

    [Fact]
    public async Task ServiceWithNoTaskOnThisNode_IsAnotherNodes_WhenTheAgentRunsAsASwarmTask()
    {
        AddTask("mystack_db", "node-id-b");
        AddTask("mystack_db", "node-id-a", running: false);
        var resolver = new ContainerResolver(_engine, "mystack", NodeA);

        var act = () => resolver.ResolveAsync("mystack_db", CancellationToken.None);

        (await act.Should().ThrowAsync<NotOnThisNodeException>()).Which.Message.Should().Contain("node-a").And.Contain("docker service ls");
    }

    [Fact]
    public async Task UnknownName_AgentNotASwarmTask_FailsAsBefore()
    {
        AddTask("mystack_db", "node-id-b");
        var resolver = new ContainerResolver(_engine, project: null);

        var act = () => resolver.ResolveAsync("mystack_db", CancellationToken.None);

        await act.Should().ThrowAsync<ArtifactFailedException>().WithMessage("*No container is named 'mystack_db'*");
    }

    [Fact]
    public async Task MissingVolume_AgentAsASwarmTask_IsAnotherNodes()
    {
        var context = EngineTestSupport.Context(_engine);
        context = new SourceContext
        {
            Docker = context.Docker,
            HelperImage = context.HelperImage,
            Job = context.Job,
            RunId = context.RunId,
            InstanceId = context.InstanceId,
            Log = context.Log,
            Containers = new ContainerResolver(_engine, "mystack", NodeA),
        };
        var source = EngineTestSupport.CreateSource(context, EngineTestSupport.Source("- volume: mystack_data"));

        var act = () => source.PlanAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<NotOnThisNodeException>()).Which.Message.Should().Contain("Volume 'mystack_data' is not on this node (node-a)");
    }

    [Fact]
    public async Task Detect_OnlyATaskContainerIsASwarmNode()
    {
        var plain = new ContainerInspect { Id = "c1", Name = "/agent", Config = new ContainerConfig { Labels = new Dictionary<string, string>() } };
        var task = new ContainerInspect
        {
            Id = "c2",
            Name = "/backup_agent.x.y",
            Config = new ContainerConfig { Labels = new Dictionary<string, string> { [SwarmNode.TaskLabel] = "t1", [SwarmNode.StackLabel] = "backup" } },
        };

        (await SwarmNode.DetectAsync(_engine, null, CancellationToken.None)).Should().BeNull();
        (await SwarmNode.DetectAsync(_engine, plain, CancellationToken.None)).Should().BeNull();
        (await SwarmNode.DetectAsync(_engine, task, CancellationToken.None)).Should().Be(new SwarmNode("node-id-a", "node-a", "backup"));
    }

    public ValueTask DisposeAsync() => _engine.DisposeAsync();

    private FakeContainer AddTask(string service, string node, bool running = true)
    {
        var n = ++_tasks;
        return _engine.Containers.Add(
            $"{service}.{n}.task{n}",
            running,
            labels: new Dictionary<string, string>
            {
                [SwarmNode.ServiceLabel] = service,
                [SwarmNode.NodeLabel] = node,
                [SwarmNode.TaskLabel] = $"task{n}",
                [SwarmNode.StackLabel] = "mystack",
            });
    }
}
