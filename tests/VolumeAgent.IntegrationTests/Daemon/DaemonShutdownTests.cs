using System.Diagnostics;
using System.Text.Json;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>
/// `docker stop` (SIGTERM) while the daemon archives a big volume: the run is cancelled, its helper removed, a
/// failed manifest written, the container it stopped for the archive running again, and the daemon exits 0 well
/// within its grace period.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class DaemonShutdownTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private const int VolumeMegabytes = 768;
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public DaemonShutdownTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task DockerStop_DuringARunOfABigVolume_ExitsZeroWithinTheGraceLeavesNoHelperAndRestartsWhatItStopped()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await _docker.RequireImageAsync(TestImages.Helper, ct);
        await AgentImage.EnsureBuiltAsync(ct);
        await using var scope = _docker.CreateScope(_output);
        var volume = await scope.CreateVolumeAsync("big", ct);
        var fill = await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["dd", "if=/dev/urandom", "of=/data/big.bin", "bs=1048576", $"count={VolumeMegabytes}"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data" }],
                },
            },
            ct);
        fill.ExitCode.Should().Be(0, fill.Stderr);
        var app = await Safety.StopContainersTests.StartAppAsync(
            scope, _docker, [new Mount { Type = "volume", Source = volume, Target = "/data" }], ct);

        var config = $"""
            helper_image: {TestImages.Helper}
            storage:
              local: {"{"} type: local, path: /backups {"}"}
            jobs:
              big:
                storage: [local]
                compression: gzip
                compression_level: 9
                stop_containers: [{app}]
                sources:
                  - volume: {volume}
            """;
        await using var agent = await AgentContainer.StartAsync(_docker, config, ct, detach: true, "--stop-timeout", "60");
        agent.Started.ExitCode.Should().Be(0, agent.Started.ToString());
        await DaemonWait.UntilAsync(
            "the daemon to answer on its control socket",
            TimeSpan.FromSeconds(60),
            async () =>
            {
                var health = await CommandLine.DockerAsync(ct, "exec", agent.Name, "health");
                return (health.ExitCode == 0, health.Output);
            },
            ct);

        var runNow = CommandLine.DockerAsync(ct, "exec", agent.Name, "run-now", "-v");
        await DaemonWait.UntilAsync(
            "the run's helper container (it holds the volume while the engine archives it)",
            TimeSpan.FromSeconds(60),
            async () =>
            {
                var helpers = await CommandLine.DockerAsync(ct, "ps", "-aq", "--filter", "label=io.volume-agent.owner=volume-agent", "--filter", $"volume={volume}");
                return (helpers.Stdout.Trim().Length > 0, runNow.IsCompleted ? (await runNow).ToString() : helpers.Output);
            },
            ct);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        runNow.IsCompleted.Should().BeFalse("the test must stop the daemon while the run is going on");

        (await _docker.Client.Containers.InspectContainerAsync(app, ct)).State!.Running.Should().BeFalse("the job stopped the app for the archive");
        var clock = Stopwatch.StartNew();
        var stop = await CommandLine.DockerAsync(ct, "stop", "-t", "60", agent.Name);
        clock.Stop();
        var client = await runNow;
        var logs = await CommandLine.DockerAsync(ct, "logs", agent.Name);
        _output.WriteLine($"docker stop took {clock.Elapsed.TotalSeconds:0.0} s\nrun-now: {client}\ndaemon log:\n{logs.Output}");

        stop.ExitCode.Should().Be(0, stop.ToString());
        clock.Elapsed.Should().BeLessThan(Grace, "the daemon stops within its grace period, long before docker's SIGKILL at 60 s");
        (await CommandLine.DockerOkAsync(ct, "inspect", "--format", "{{.State.ExitCode}}", agent.Name)).Should().Be("0", "a clean stop exits 0");
        logs.Output.Should().Contain("Stopping: running jobs get up to").And.Contain("Stopped");
        (await CommandLine.DockerOkAsync(ct, "ps", "-aq", "--filter", "label=io.volume-agent.owner=volume-agent", "--filter", $"volume={volume}"))
            .Should().BeEmpty("the cancelled run removed its helper");
        (await _docker.Client.Containers.InspectContainerAsync(app, ct)).State!.Running.Should().BeTrue("the cancelled run started the app it had stopped again");

        var manifests = Directory.GetFiles(Path.Combine(agent.BackupDirectory, "big"), "manifest.json", SearchOption.AllDirectories);
        var manifest = manifests.Should().ContainSingle("the cancelled run still writes its manifest").Subject;
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(manifest, ct));
        document.RootElement.GetProperty("status").GetString().Should().Be("failed");
        document.RootElement.GetProperty("error").GetString().Should().Contain("cancelled");
    }
}
