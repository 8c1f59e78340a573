using System.Net;
using System.Net.Sockets;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;
using LibraryApiException = Docker.DotNet.DockerApiException;
using LibraryContainerNotFound = Docker.DotNet.DockerContainerNotFoundException;

namespace VolumeAgent.Tests.Docker;

public sealed class LibraryEngineTests
{
    private static readonly DockerEndpoint Socket = DockerEndpoint.Unix("/run/test-engine.sock");

    [Theory]
    [InlineData("1.41", "1.41")]
    [InlineData("1.43", "1.43")]
    [InlineData("1.47", "1.47")]
    [InlineData("1.51", "1.47")]
    [InlineData("2.0", "1.47")]
    [InlineData(null, "1.41")]
    [InlineData("garbage", "1.41")]
    public void Negotiate_EngineVersion_UsesTheOlderOfEngineAndAgent(string? engine, string expected)
    {
        ApiVersion.Negotiate(engine).Should().Be(expected);
    }

    [Fact]
    public void Negotiate_EngineOlderThanSupported_FailsSayingToUpgrade()
    {
        var act = () => ApiVersion.Negotiate("1.40");

        act.Should().Throw<DockerApiException>().WithMessage("*1.40*older than*1.41*Upgrade the engine*");
    }

    [Theory]
    [InlineData("1.43", "/v1.43/containers/db/json")]
    [InlineData("1.52", "/v1.47/containers/db/json")]
    public async Task Calls_AfterNegotiation_ArePinnedToTheChosenVersion(string engineApi, string expectedPath)
    {
        await using var engine = await FakeEngineSocket.StartAsync(engineApi);
        await using var client = new LibraryEngine(DockerEndpoint.Unix(engine.Path));

        var container = await client.Containers.InspectAsync("db", CancellationToken.None);

        container.Id.Should().Be("0123456789ab");
        container.State!.Running.Should().BeTrue();
        engine.RequestLines.Should().Equal("GET /version HTTP/1.1", $"GET {expectedPath} HTTP/1.1");
    }

    [Fact]
    public async Task Calls_EngineOlderThanSupported_FailBeforeAnyVersionedCallSayingToUpgrade()
    {
        await using var engine = await FakeEngineSocket.StartAsync("1.40");
        await using var client = new LibraryEngine(DockerEndpoint.Unix(engine.Path));

        var act = () => client.Volumes.InspectAsync("data", CancellationToken.None);

        await act.Should().ThrowAsync<DockerApiException>().WithMessage("*API 1.40*older than the 1.41*Upgrade the engine*");
        engine.RequestLines.Should().Equal("GET /version HTTP/1.1");
    }

    [Fact]
    public async Task Calls_EngineAnswersNotFound_ThrowTheAgentsExceptionNamingTheObject()
    {
        await using var engine = await FakeEngineSocket.StartAsync("1.41");
        await using var client = new LibraryEngine(DockerEndpoint.Unix(engine.Path));

        var act = () => client.Volumes.InspectAsync("missing", CancellationToken.None);

        (await act.Should().ThrowAsync<DockerApiException>())
            .Which.Message.Should().Be("Docker engine refused to inspect volume missing (HTTP 404): get missing: no such volume");
        (await client.Volumes.TryInspectAsync("missing", CancellationToken.None)).Should().BeNull();
    }

    [Theory]
    [InlineData(null, "unix:///var/run/docker.sock")]
    [InlineData("", "unix:///var/run/docker.sock")]
    [InlineData("unix:///run/user/1000/docker.sock", "unix:///run/user/1000/docker.sock")]
    [InlineData("tcp://127.0.0.1:2375", "tcp://127.0.0.1:2375")]
    [InlineData("tcp://docker-proxy:2375", "tcp://docker-proxy:2375")]
    public void Endpoint_FromDockerHost_IsParsedAndGivenToTheLibraryAsItsUri(string? dockerHost, string expected)
    {
        var endpoint = DockerEndpoint.FromEnvironment(name => name == "DOCKER_HOST" ? dockerHost : null);

        endpoint.Display.Should().Be(expected);
        EngineConnection.LibraryUri(endpoint).Should().Be(new Uri(expected));
    }

    [Theory]
    [InlineData("npipe:////./pipe/docker_engine")]
    [InlineData("unix://relative.sock")]
    public void Endpoint_UnsupportedDockerHost_SaysWhatIsSupported(string dockerHost)
    {
        var act = () => DockerEndpoint.Parse(dockerHost);

        act.Should().Throw<ArgumentException>().WithMessage($"*{dockerHost}*unix:///*");
    }

    [Fact]
    public async Task Ping_MissingSocket_ThrowsUnavailableNamingSocketAndFix()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-engine-{Guid.NewGuid():N}.sock");
        await using var client = new LibraryEngine(DockerEndpoint.Unix(path), new EngineOptions { RetryAttempts = 1, RetryDelay = TimeSpan.FromMilliseconds(1) });

        var act = () => client.PingAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<DockerUnavailableException>())
            .WithMessage($"*unix://{path}*no socket at {path}*DOCKER_HOST*");
    }

    [Fact]
    public void ApiException_CarriesOperationStatusAndEngineMessage()
    {
        var ex = new DockerApiException("inspect volume data", HttpStatusCode.NotFound, "get data: no such volume");

        ex.IsNotFound.Should().BeTrue();
        ex.Message.Should().Be("Docker engine refused to inspect volume data (HTTP 404): get data: no such volume");
    }

    [Fact]
    public void Map_LibraryNotFound_BecomesTheAgentsExceptionWithTheEnginesWords()
    {
        var mapped = EngineErrors.Map(
            new LibraryContainerNotFound(HttpStatusCode.NotFound, "{\"message\":\"No such container: db\"}"), "inspect container db", Socket, CancellationToken.None);

        var api = mapped.Should().BeOfType<DockerApiException>().Which;
        api.IsNotFound.Should().BeTrue();
        api.Message.Should().Be("Docker engine refused to inspect container db (HTTP 404): No such container: db");
    }

    [Fact]
    public void Map_LibraryConflict_KeepsTheStatus()
    {
        var mapped = EngineErrors.Map(
            new LibraryApiException(HttpStatusCode.Conflict, "{\"message\":\"volume is in use\"}"), "remove volume data", Socket, CancellationToken.None);

        mapped.Should().BeOfType<DockerApiException>().Which.IsConflict.Should().BeTrue();
    }

    [Fact]
    public void Map_ConnectionFailed_BecomesUnavailableNamingTheEndpointAndTheCause()
    {
        var failure = new HttpRequestException("Connection failed.", new SocketException((int)SocketError.ConnectionRefused));

        var mapped = EngineErrors.Map(failure, "list volumes", DockerEndpoint.Parse("tcp://127.0.0.1:2375"), CancellationToken.None);

        mapped.Should().BeOfType<DockerUnavailableException>()
            .Which.Message.Should().StartWith("Docker engine unreachable at tcp://127.0.0.1:2375: Connection refused.").And.Contain("without TLS");
    }

    [Fact]
    public void Map_ConnectFailedOnEveryAddress_BecomesUnavailableWithTheFirstCause()
    {
        var failure = new AggregateException(new SocketException((int)SocketError.ConnectionRefused), new SocketException((int)SocketError.NetworkUnreachable));

        var mapped = EngineErrors.Map(failure, "ping", DockerEndpoint.Parse("tcp://localhost:2375"), CancellationToken.None);

        mapped.Should().BeOfType<DockerUnavailableException>()
            .Which.Message.Should().StartWith("Docker engine unreachable at tcp://localhost:2375: Connection refused.");
        EngineErrors.Map(new AggregateException(new InvalidDataException("x")), "ping", Socket, CancellationToken.None).Should().BeNull();
    }

    [Fact]
    public void Map_FailureAfterCancellation_IsACancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var mapped = EngineErrors.Map(new HttpRequestException("The requested failed", new IOException("aborted")), "start exec 1", Socket, cancelled.Token);

        mapped.Should().BeOfType<OperationCanceledException>().Which.CancellationToken.Should().Be(cancelled.Token);
    }

    [Fact]
    public void Map_ExceptionsThatAreNotTheEnginesOrTheConnections_PassUnchanged()
    {
        EngineErrors.Map(new InvalidDataException("corrupt artifact"), "write /data into container x", Socket, CancellationToken.None).Should().BeNull();
        EngineErrors.Map(new DockerApiException("x", HttpStatusCode.NotFound, null), "x", Socket, CancellationToken.None).Should().BeNull();
        EngineErrors.Map(new OperationCanceledException(), "x", Socket, CancellationToken.None).Should().BeNull();
    }

    [Theory]
    [InlineData("{\"message\":\"No such container: db\"}", "No such container: db")]
    [InlineData("plain text error\n", "plain text error")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void EngineMessage_EngineErrorBodies_GiveTheEnginesWords(string? body, string? expected)
    {
        EngineErrors.EngineMessage(body).Should().Be(expected);
    }

    [Theory]
    [InlineData("alpine", "alpine", "latest")]
    [InlineData("alpine:3.20", "alpine", "3.20")]
    [InlineData("127.0.0.1:5000/team/helper", "127.0.0.1:5000/team/helper", "latest")]
    [InlineData("127.0.0.1:5000/team/helper:v1", "127.0.0.1:5000/team/helper", "v1")]
    [InlineData("alpine@sha256:abcd", "alpine", "sha256:abcd")]
    public void SplitReference_ImageReferences_GiveNameAndTag(string reference, string name, string tag)
    {
        ImageOperations.SplitReference(reference).Should().Be((name, tag));
    }

    [Fact]
    public void Filters_LabelsWithAndWithoutValues_AreTheEnginesFilters()
    {
        var filters = ModelMapping.Filters(new Dictionary<string, string?> { ["a"] = "1", ["b"] = null }, ("name", "x"));

        filters.Should().NotBeNull();
        filters!.Keys.Should().BeEquivalentTo("label", "name");
        filters["label"].Should().BeEquivalentTo(new Dictionary<string, bool> { ["a=1"] = true, ["b"] = true });
        filters["name"].Should().BeEquivalentTo(new Dictionary<string, bool> { ["x"] = true });
        ModelMapping.Filters(null).Should().BeNull();
    }
}
