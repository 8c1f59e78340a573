using System.Net;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;

namespace VolumeAgent.Tests.Docker;

/// <summary>A socket proxy's 403 said as the request it refused and the category to allow; the engine's own 403 left as it is.</summary>
public sealed class ProxyRefusalTests
{
    [Theory]
    [InlineData("/v1.41/containers/json", "CONTAINERS")]
    [InlineData("/v1.41/containers/abc/archive", "CONTAINERS")]
    [InlineData("/containers/abc/exec", "CONTAINERS")]
    [InlineData("/v1.41/exec/abc/start", "EXEC")]
    [InlineData("/v1.41/volumes/data", "VOLUMES")]
    [InlineData("/v1.41/images/volume-agent-test/postgres:15/json", "IMAGES")]
    [InlineData("/_ping", "PING")]
    [InlineData("/version", "VERSION")]
    [InlineData("/v1.41/info", "INFO")]
    public void Category_IsTheFirstSegmentAfterTheVersion(string path, string category) =>
        SocketProxyCategory.Of(path).Should().Be(category);

    [Theory]
    [InlineData("GET", false)]
    [InlineData("HEAD", false)]
    [InlineData("POST", true)]
    [InlineData("PUT", true)]
    [InlineData("DELETE", true)]
    public void NeedsPost_EveryMethodButGetAndHead(string method, bool needsPost) =>
        SocketProxyCategory.NeedsPost(method).Should().Be(needsPost);

    [Fact]
    public void Refusal_OfAWrite_NamesMethodPathWithoutVersionAndBothSwitches()
    {
        var refusal = new RequestRefusedException("POST", "/v1.41/exec/3fa4/start");

        refusal.Message.Should().Contain("refused POST /exec/3fa4/start").And.Contain("allow EXEC and POST").And.Contain("docs/security.md");
        refusal.Category.Should().Be("EXEC");
    }

    [Fact]
    public async Task Call_RefusedByAProxy_FailsNamingTheRequestAndTheCategory()
    {
        await using var engine = await FakeEngineSocket.StartAsync("1.41");
        await using var client = new LibraryEngine(DockerEndpoint.Unix(engine.Path));

        var act = () => client.Volumes.InspectAsync("proxy-refused", CancellationToken.None);

        var error = (await act.Should().ThrowAsync<DockerApiException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        error.Message.Should().Be(
            "Docker engine refused to inspect volume proxy-refused (HTTP 403): a proxy in front of the engine refused GET /volumes/proxy-refused "
            + "(HTTP 403, not the engine's answer): allow VOLUMES in the socket proxy (docs/security.md lists what each command needs)");
    }

    [Fact]
    public async Task Call_RefusedByTheEngineItself_KeepsTheEnginesWords()
    {
        await using var engine = await FakeEngineSocket.StartAsync("1.41");
        await using var client = new LibraryEngine(DockerEndpoint.Unix(engine.Path));

        var act = () => client.Volumes.InspectAsync("plugin-denied", CancellationToken.None);

        var error = (await act.Should().ThrowAsync<DockerApiException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        error.Message.Should().Contain("authorization denied by plugin policy").And.NotContain("proxy");
    }
}
