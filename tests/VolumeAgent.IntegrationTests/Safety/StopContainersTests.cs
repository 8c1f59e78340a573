using System.Diagnostics;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Safety;

/// <summary>
/// A job's stop_containers are down while its volumes are read and up again afterwards; when the agent is
/// killed while they are down, the next start of an agent brings them back from its journal.
/// </summary>
[Collection(DockerTests.Faults)]
public sealed class StopContainersTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);

    // 384 MiB of random bytes, archived uncompressed: seconds of reading, long enough to be seen and killed in.
    private const string FillScript = """
        set -e
        head -c 67108864 /dev/urandom > /data/chunk
        i=0
        while [ $i -lt 6 ]; do cat /data/chunk; i=$((i + 1)); done > /data/large.bin
        rm /data/chunk
        """;

    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public StopContainersTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_StopContainers_AppIsStoppedWhileItsVolumeIsArchivedAndRunsAfterwards()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (volume, app) = await AppWithLargeVolumeAsync(scope, cts.Token);
        var startedBefore = (await _docker.Client.Containers.InspectContainerAsync(app, cts.Token)).State!.Pid;
        var job = workspace.Job("stop");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                compression: none
                stop_containers: [{app}]
                sources:
                  - volume: {volume}
            """);

        await using var run = await workspace.StartAsync(cts.Token, "run-now", job);
        var seenStoppedWithHelper = false;
        while (!run.HasExited)
        {
            var state = await _docker.Client.Containers.InspectContainerAsync(app, cts.Token);
            if (state.State is { Running: false } && (await workspace.AgentContainersAsync(cts.Token)).Count > 0)
            {
                seenStoppedWithHelper = true;
            }

            await Task.Delay(50, cts.Token);
        }

        var result = await run.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);
        result.ExitCode.Should().Be(0, result.ToString());
        seenStoppedWithHelper.Should().BeTrue("the app is stopped while the helper archives its volume");
        var after = await _docker.Client.Containers.InspectContainerAsync(app, cts.Token);
        after.State!.Running.Should().BeTrue("the app runs again once the archive is done");
        after.State.Pid.Should().NotBe(startedBefore, "it was stopped and started, not left alone");
        Directory.EnumerateFiles(Path.Combine(workspace.StateDir, "journal"), "*.json").Should().BeEmpty("the journal is cleared once everything runs again");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task AgentKilledWhileAppIsStopped_NextStartRunsTheAppAgainBeforeItsOwnRunAndClearsTheJournal()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (volume, app) = await AppWithLargeVolumeAsync(scope, cts.Token);
        var small = await scope.CreateVolumeAsync("small", cts.Token);
        var job = workspace.Job("stopkill");
        var other = workspace.Job("other");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                compression: none
                stop_containers: [{app}]
                sources:
                  - volume: {volume}
              {other}:
                sources:
                  - volume: {small}
            """);

        await using (var run = await workspace.StartAsync(cts.Token, "run-now", job))
        {
            await WaitUntilAsync(async () => (await _docker.Client.Containers.InspectContainerAsync(app, cts.Token)).State is { Running: false }, run, cts.Token);
            await run.KillAsync();
        }

        (await _docker.Client.Containers.InspectContainerAsync(app, cts.Token)).State!.Running.Should().BeFalse("nothing restarts the app while no agent runs");
        var journal = Path.Combine(workspace.StateDir, "journal");
        Directory.EnumerateFiles(journal, "*.json").Should().ContainSingle("the journal was written before the app was stopped");

        // The claim is "at its start, before its own run", shown by the order of what it says, not by a clock.
        var clock = Stopwatch.StartNew();
        await using var next = await workspace.StartAsync(cts.Token, "run-now", other, "-v");
        var result = await next.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);
        _output.WriteLine($"next agent ended {clock.Elapsed.TotalSeconds:0.00} s after it started");
        result.ExitCode.Should().Be(0, result.ToString());
        (await _docker.Client.Containers.InspectContainerAsync(app, cts.Token)).State!.Running.Should().BeTrue("the next agent start restarts what the journal of the killed one lists");
        var restarted = result.Stderr.IndexOf($"Started {app} again", StringComparison.Ordinal);
        restarted.Should().BeGreaterThanOrEqualTo(0, $"the next start says it started the app again: {result}");
        restarted.Should().BeLessThan(result.Stderr.IndexOf($"Run of job {other} started", StringComparison.Ordinal), "it does so at its start, before its own run");
        Directory.EnumerateFiles(journal, "*.json").Should().BeEmpty("the journal is cleared once its containers run");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    private async Task<(string Volume, string App)> AppWithLargeVolumeAsync(TestScope scope, CancellationToken cancellationToken)
    {
        var volume = await scope.CreateVolumeAsync("app-data", cancellationToken);
        var mounts = new[] { new Mount { Type = "volume", Source = volume, Target = "/data" } };
        var fill = await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", FillScript],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", LogConfig = new LogConfig { Type = "none" }, Mounts = mounts },
            },
            cancellationToken);
        fill.ExitCode.Should().Be(0, fill.Stderr);
        var app = await StartAppAsync(scope, _docker, mounts, cancellationToken);
        return (volume, app);
    }

    /// <summary>An application that ends promptly on SIGTERM, as a real one would; returns its name.</summary>
    internal static async Task<string> StartAppAsync(TestScope scope, DockerFixture docker, IList<Mount> mounts, CancellationToken cancellationToken)
    {
        var id = await scope.RunContainerAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"],
                Labels = docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", LogConfig = new LogConfig { Type = "none" }, Mounts = mounts },
            },
            cancellationToken);
        return (await docker.Client.Containers.InspectContainerAsync(id, cancellationToken)).Name!.TrimStart('/');
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, AgentRun run, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            run.HasExited.Should().BeFalse($"the agent must still be running; it ended: {run.OutputSoFar}");
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "the condition should come true while the agent runs");
            await Task.Delay(25, cancellationToken);
        }
    }
}
