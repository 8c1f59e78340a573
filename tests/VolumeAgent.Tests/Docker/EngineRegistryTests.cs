using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;

namespace VolumeAgent.Tests.Docker;

/// <summary>The engines by name: the environment's as <c>default</c>, backup.yml's after it, and what an unknown or silent one says.</summary>
public sealed class EngineRegistryTests
{
    private static readonly Func<string, string?> Environment = name => name == "DOCKER_HOST" ? "unix:///var/run/docker.sock" : null;

    [Fact]
    public async Task Create_TheDefaultFirst_ThenBackupYmlsEngines_UnknownNamesRefusedWithTheFix()
    {
        await using var engines = EngineRegistry.Create([new EngineDefinition("far", DockerEndpoint.Parse("unix:///run/far.sock"))], environment: Environment);

        engines.Names.Should().Equal("default", "far");
        engines.HasSeveral.Should().BeTrue();
        engines.Definition("default").Endpoint.Display.Should().Be("unix:///var/run/docker.sock");
        engines.Get("far").Endpoint.Display.Should().Be("unix:///run/far.sock");
        engines.Get("far").Should().BeSameAs(engines.Get("far"), "an engine is opened once");
        var unknown = () => engines.Get("nowhere");
        unknown.Should().Throw<EngineNotDefinedException>().WithMessage(
            "Engine 'nowhere' is not defined: backup.yml's engines are default, far. Define it under the root 'engines' map (engines: { nowhere: { host: ... } }), or name one of these.");
    }

    [Fact]
    public async Task ProblemOf_EngineWithoutItsSocket_NamesTheEngineItsEndpointAndTheFix()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"va-no-engine-{Guid.NewGuid():N}.sock");
        await using var engines = EngineRegistry.Create([new EngineDefinition("far", DockerEndpoint.Unix(socket))], environment: Environment);

        var problem = await engines.ProblemOfAsync("far", CancellationToken.None);

        problem.Should().StartWith($"Engine 'far' (unix://{socket}) is unreachable: Docker engine unreachable at unix://{socket}: there is no socket at {socket}")
            .And.Contain("change engines.far.host").And.NotContain("DOCKER_HOST")
            .And.EndWith("Start that engine, or fix engines.far in backup.yml.");
    }

    [Fact]
    public void Of_OneOpenEngine_IsTheDefaultAlone()
    {
        var engine = new Fakes.FakeDockerEngine();

        var engines = EngineRegistry.Of(engine);

        engines.Names.Should().Equal("default");
        engines.HasSeveral.Should().BeFalse();
        engines.Default.Should().BeSameAs(engine);
    }
}
