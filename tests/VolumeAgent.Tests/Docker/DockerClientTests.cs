using System.Net;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Http;

namespace VolumeAgent.Tests.Docker;

public sealed class DockerClientTests
{
    [Theory]
    [InlineData("1.41", "1.41")]
    [InlineData("1.43", "1.43")]
    [InlineData("1.47", "1.47")]
    [InlineData("1.51", "1.47")]
    [InlineData("2.0", "1.47")]
    [InlineData(null, "1.41")]
    [InlineData("garbage", "1.41")]
    public void Negotiate_EngineVersion_UsesTheOlderOfEngineAndClient(string? engine, string expected)
    {
        DockerClient.Negotiate(engine).Should().Be(expected);
    }

    [Fact]
    public void Negotiate_EngineOlderThanSupported_FailsSayingToUpgrade()
    {
        var act = () => DockerClient.Negotiate("1.40");

        act.Should().Throw<DockerApiException>().WithMessage("*1.40*older than*1.41*Upgrade the engine*");
    }

    [Theory]
    [InlineData(null, "unix:///var/run/docker.sock")]
    [InlineData("", "unix:///var/run/docker.sock")]
    [InlineData("unix:///run/user/1000/docker.sock", "unix:///run/user/1000/docker.sock")]
    [InlineData("tcp://127.0.0.1:2375", "tcp://127.0.0.1:2375")]
    [InlineData("tcp://docker-proxy:2375", "tcp://docker-proxy:2375")]
    public void Endpoint_FromDockerHost_IsParsed(string? dockerHost, string expected)
    {
        DockerEndpoint.FromEnvironment(name => name == "DOCKER_HOST" ? dockerHost : null).Display.Should().Be(expected);
    }

    [Theory]
    [InlineData("ssh://user@host")]
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
        await using var client = new DockerClient(DockerEndpoint.Unix(path), new DockerClientOptions { RetryAttempts = 1, RetryDelay = TimeSpan.FromMilliseconds(1) });

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

    [Theory]
    [InlineData("{\"message\":\"No such container: db\"}", "No such container: db")]
    [InlineData("plain text error\n", "plain text error")]
    [InlineData("", null)]
    public void ExtractMessage_EngineErrorBodies_GiveTheEnginesWords(string body, string? expected)
    {
        HijackedStream.ExtractMessage(System.Text.Encoding.UTF8.GetBytes(body)).Should().Be(expected);
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
    public void LabelFilters_LabelsWithAndWithoutValues_AreEncodedAsEngineFilters()
    {
        var json = DockerClient.LabelFilters(new Dictionary<string, string?> { ["a"] = "1", ["b"] = null }, ("name", "x"));

        json.Should().Be("{\"label\":[\"a=1\",\"b\"],\"name\":[\"x\"]}");
    }
}
