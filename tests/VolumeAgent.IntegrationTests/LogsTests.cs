using System.Text;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

[Collection(DockerTests.Name)]
public sealed class LogsTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public LogsTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    private IContainerOperations Containers => _docker.Engine.Containers;

    [Fact]
    public async Task LogsAsync_ExitedContainerWithJsonFileDriver_ReturnsItsStdoutLinesAndStderrApart()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.RunContainerAsync(
            Printer("for i in $(seq 1 200); do echo \"line $i\"; echo \"warning $i\" >&2; done"), cts.Token);
        (await Containers.WaitAsync(id, cts.Token)).StatusCode.Should().Be(0);

        var (stdout, stderr) = await ReadLogsAsync(id, follow: false, cts.Token);

        stdout.Should().Equal(Enumerable.Range(1, 200).Select(i => $"line {i}"));
        stderr.Should().StartWith("warning 1\n").And.EndWith("warning 200");
    }

    [Fact]
    public async Task LogsAsync_FollowingRunningContainer_StreamEndsWhenContainerExits()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.RunContainerAsync(
            Printer("for i in 1 2 3 4 5; do echo \"tick $i\"; sleep 0.2; done"), cts.Token);

        var (stdout, _) = await ReadLogsAsync(id, follow: true, cts.Token);
        var state = (await Containers.InspectAsync(id, cts.Token)).State!;

        stdout.Should().Equal("tick 1", "tick 2", "tick 3", "tick 4", "tick 5");
        state.Running.Should().BeFalse("the followed stream ended because the container did");
    }

    [Fact]
    public async Task LogsAsync_LogDriverNone_ThrowsSayingTheDriverCannotBeRead()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.CreateContainerAsync(
            new ContainerCreateRequest
            {
                Image = TestImages.Helper,
                Cmd = ["true"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { LogConfig = new LogConfig { Type = "none" } },
            },
            cts.Token);

        var thrown = await Containers.Invoking(c => c.LogsAsync(id, follow: false, cts.Token)).Should().ThrowAsync<DockerApiException>();

        _output.WriteLine(thrown.Which.Message);
        thrown.Which.EngineMessage.Should().ContainEquivalentOf("logging driver");
    }

    [Fact]
    public async Task LogsAsync_MissingContainer_ThrowsNotFound()
    {
        var name = _docker.UniqueName("missing");

        var thrown = await Containers.Invoking(c => c.LogsAsync(name, follow: false, CancellationToken.None)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsNotFound.Should().BeTrue();
        thrown.Which.Message.Should().Contain(name);
    }

    private ContainerCreateRequest Printer(string script) => new()
    {
        Image = TestImages.Helper,
        Cmd = ["sh", "-c", script],
        Labels = _docker.LabelsWith(),
        HostConfig = new HostConfig { NetworkMode = "none" },
    };

    private async Task<(IReadOnlyList<string> Stdout, string Stderr)> ReadLogsAsync(string id, bool follow, CancellationToken cancellationToken)
    {
        await using var logs = await Containers.LogsAsync(id, follow, cancellationToken);
        var stderr = new OutputTail(64 * 1024);
        await using var stdout = new StdoutStream(logs, stderr);
        using var reader = new StreamReader(stdout, Encoding.UTF8);
        var lines = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lines.Add(line);
        }

        return (lines, stderr.ToString());
    }
}
