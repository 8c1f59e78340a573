using Serilog.Core;
using VolumeAgent.Docker;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests;

[Collection(DockerTests.Name)]
public sealed class EngineTests
{
    private readonly DockerFixture _docker;

    public EngineTests(DockerFixture docker) => _docker = docker;

    [Fact]
    public async Task PingAsync_RunningEngine_Answers()
    {
        var act = () => _docker.Engine.PingAsync(CancellationToken.None);

        await act.Should().NotThrowAsync();
    }

    [Fact]
    public async Task GetVersionAsync_RunningEngine_ReportsVersionApiAndPlatform()
    {
        var version = await _docker.Engine.GetVersionAsync(CancellationToken.None);
        var seen = await _docker.Client.System.GetVersionAsync(CancellationToken.None);

        version.Version.Should().MatchRegex(@"^\d+\.\d+\.\d+").And.Be(seen.Version);
        version.ApiVersion.Should().Be(seen.APIVersion);
        version.MinApiVersion.Should().Be(seen.MinAPIVersion);
        version.ApiVersion.Should().MatchRegex(@"^1\.\d+$");
        version.MinApiVersion.Should().MatchRegex(@"^1\.\d+$");
        version.Os.Should().Be("linux");
        version.Arch.Should().NotBeNullOrEmpty();
        version.KernelVersion.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task GetApiVersionAsync_Engine20_10_NegotiatesApi1_41()
    {
        var version = await _docker.Client.System.GetVersionAsync(CancellationToken.None);

        var negotiated = await _docker.Engine.GetApiVersionAsync(CancellationToken.None);

        // The engine's API is older than the client's newest, so the engine's own version is spoken.
        negotiated.Should().Be(version.APIVersion);
        if (version.Version!.StartsWith("20.10.", StringComparison.Ordinal))
        {
            negotiated.Should().Be("1.41");
        }
    }

    [Fact]
    public async Task GetApiVersionAsync_CalledTwice_AsksOnceAndAnswersTheSame()
    {
        await using var client = DockerEngine.FromEnvironment(Logger.None);

        var first = await client.GetApiVersionAsync(CancellationToken.None);
        var second = await client.GetApiVersionAsync(CancellationToken.None);

        second.Should().Be(first).And.Be(await _docker.Engine.GetApiVersionAsync(CancellationToken.None));
    }

    public static TheoryData<string> OperationsNeedingTheEngine => new() { "ping", "version", "list volumes", "exec", "attach" };

    [Theory]
    [MemberData(nameof(OperationsNeedingTheEngine))]
    public async Task AnyOperation_SocketPathMissing_ThrowsUnavailableNamingPathAndFix(string operation)
    {
        var path = Path.Combine(Path.GetTempPath(), $"va-test-no-engine-{_docker.TestRunId}", "docker.sock");
        await using var client = EngineAt($"unix://{path}");
        Func<Task> act = operation switch
        {
            "ping" => () => client.PingAsync(CancellationToken.None),
            "version" => () => client.GetVersionAsync(CancellationToken.None),
            "list volumes" => () => client.Volumes.ListAsync(CancellationToken.None),
            "exec" => () => client.Exec.RunAsync("any", ["true"], CancellationToken.None),
            "attach" => () => client.Containers.AttachAsync("any", stdin: false, CancellationToken.None),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        var thrown = await act.Should().ThrowAsync<DockerUnavailableException>();

        thrown.Which.Endpoint.Should().Be($"unix://{path}");
        thrown.Which.Message.Should().Contain($"there is no socket at {path}")
            .And.Contain($"Check that {path} exists", "the message must say how to fix it");
    }

    [Fact]
    public async Task PingAsync_TcpPortNotListening_ThrowsUnavailableNamingEndpoint()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var client = EngineAt($"tcp://127.0.0.1:{port}");

        var thrown = await client.Invoking(c => c.PingAsync(CancellationToken.None)).Should().ThrowAsync<DockerUnavailableException>();

        thrown.Which.Message.Should().Contain($"tcp://127.0.0.1:{port}").And.Contain("DOCKER_HOST");
    }

    [Fact]
    public void UnreachableMessage_OfTheFixture_NamesEndpointAndHowToStartTheEngine()
    {
        var message = DockerFixture.UnreachableMessage("unix:///run/nowhere.sock", new IOException("Connection refused"));

        message.Should().Contain("unix:///run/nowhere.sock").And.Contain("bash .ci/run").And.Contain("dockerd");
    }

    /// <summary>The agent's engine as it opens one from DOCKER_HOST=<paramref name="host"/>.</summary>
    private static IDockerEngine EngineAt(string host) =>
        DockerEngine.FromEnvironment(Logger.None, name => name == "DOCKER_HOST" ? host : null);
}
