using VolumeAgent.Docker;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

/// <summary>
/// <see cref="ExecProcess.StopAsync"/> in the images the agent meets (busybox, Debian slim, PostgreSQL, MariaDB):
/// every process of the exec ends, whichever way it tried to get away. What is left is read with `docker top`.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class ExecStopTests
{
    // A shell ignoring SIGTERM starts: a subshell that ignores it too, a child in a session of its own, a child
    // with an empty environment, and an orphan (its parent subshell exits at once, so init adopts it).
    private const string Tree = """
        trap '' TERM
        (trap '' TERM; sleep 100011) &
        setsid sleep 100012 &
        env -i sleep 100013 &
        (sleep 100014 &)
        echo started
        wait
        """;

    private static readonly string[] Sleeps = ["sleep 100011", "sleep 100012", "sleep 100013", "sleep 100014"];
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ExecStopTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Theory]
    [InlineData(TestImages.Helper)]
    [InlineData(TestImages.Debian)]
    [InlineData(TestImages.Postgres)]
    [InlineData(TestImages.MariaDb)]
    public async Task StopAsync_TreeThatIgnoresSigtermAndEscapesItsSession_EndsEveryProcess(string image)
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token, image: image);
        await using var process = await _docker.Engine.Exec.RunAsync(container, ["sh", "-c", Tree], cts.Token, new ExecStartOptions { StopOnDispose = true });
        using var reader = new StreamReader(process.Stdout, leaveOpen: true);
        (await reader.ReadLineAsync(cts.Token)).Should().Be("started");
        var before = await WaitForAsync(container, Sleeps, cts.Token);
        _output.WriteLine(before);

        var report = await process.StopAsync(cts.Token);

        _output.WriteLine(report.ToString());
        var after = await TopAsync(container, cts.Token);
        _output.WriteLine(after);
        foreach (var sleep in Sleeps)
        {
            after.Should().NotContain(sleep, "every process the exec started is ended");
        }

        report.Processes.Should().BeGreaterThanOrEqualTo(Sleeps.Length + 1);
        report.Killed.Should().BeGreaterThan(0, "the shell and its subshell ignore SIGTERM");
        (await _docker.Client.InspectExecsAsync(container, cts.Token)).Should().NotContain(e => e.Running, "the engine sees no exec of the container running");
        (await process.StopAsync(cts.Token)).Should().BeSameAs(report, "a second stop answers with the first one's outcome");
    }

    [Fact]
    public async Task StopAsync_ContainerRemovedMeanwhile_SaysTheContainerIsNoLongerRunning()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token);
        await using var process = await _docker.Engine.Exec.RunAsync(container, ["sleep", "100015"], cts.Token, new ExecStartOptions { StopOnDispose = true });
        await _docker.Engine.Containers.RemoveAsync(container, cts.Token, force: true);

        var report = await process.StopAsync(cts.Token);

        report.ContainerGone.Should().BeTrue();
    }

    [Fact]
    public async Task StopAsync_ContainerPaused_ThrowsNamingTheContainerAndTheProgram()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token);
        var name = (await _docker.Engine.Containers.InspectAsync(container, cts.Token)).Name!.TrimStart('/');
        await using var process = await _docker.Engine.Exec.RunAsync(container, ["sleep", "100016"], cts.Token, new ExecStartOptions { StopOnDispose = true });

        // Paused while runc still sets the exec up, the engine would hang (the exec holds the container's lock, frozen).
        await WaitForAsync(container, ["sleep 100016"], cts.Token);
        await CommandLine.DockerPauseAsync(container, cts.Token);
        try
        {
            var stop = async () => await process.StopAsync(cts.Token);

            (await stop.Should().ThrowAsync<ExecStopException>()).Which.Message.Should()
                .Contain($"'sleep'").And.Contain($"in container {name} could not be stopped: container {name} is paused");
        }
        finally
        {
            using var unpause = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await DockerCli.RunAsync(unpause.Token, "unpause", container);
        }

        (await TopAsync(container, cts.Token)).Should().Contain("sleep 100016", "what the error says is true: it still runs");
    }

    /// <summary>`docker top`: the processes of the container as the host sees them, one per line.</summary>
    private static Task<string> TopAsync(string container, CancellationToken cancellationToken) =>
        DockerCli.RunAsync(cancellationToken, "top", container, "-o", "pid,ppid,stat,args");

    private static async Task<string> WaitForAsync(string container, IReadOnlyList<string> commands, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var top = await TopAsync(container, cancellationToken);
            if (commands.All(command => top.Contains(command, StringComparison.Ordinal)))
            {
                return top;
            }

            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), $"{string.Join(", ", commands)} should start; running: {top}");
            await Task.Delay(50, cancellationToken);
        }
    }
}
