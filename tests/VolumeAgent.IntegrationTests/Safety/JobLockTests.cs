using System.Diagnostics;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Safety;

/// <summary>Two runs of one job never overlap: a second run-now of a running job says so and does not start.</summary>
[Collection(DockerTests.Faults)]
public sealed class JobLockTests
{
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public JobLockTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_SameJobAlreadyRunning_SecondRunSaysSoAndDoesNotStart()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("locked", cts.Token);
        var app = await StopContainersTests.StartAppAsync(scope, _docker, [new Mount { Type = "volume", Source = volume, Target = "/data" }], cts.Token);
        var job = workspace.Job("locked");

        // The first run waits in its before-hook until the test lets it go: the second run surely meets it there,
        // however slowly either agent starts.
        workspace.WriteConfig($"""
            jobs:
              {job}:
                hooks:
                  before:
                    - container: {app}
                      command: ["sh", "-c", "touch /tmp/in-hook; while [ ! -e /tmp/go ]; do sleep 0.1; done"]
                      timeout: 3m
                sources:
                  - volume: {volume}
            """);

        await using var first = await workspace.StartAsync(cts.Token, "run-now", job);
        var waited = Stopwatch.StartNew();
        while ((await HostProcess.RunAsync("docker", ["exec", app, "test", "-e", "/tmp/in-hook"], cts.Token)).ExitCode != 0)
        {
            first.HasExited.Should().BeFalse($"the first run should wait in its before-hook; it ended: {first.OutputSoFar}");
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "the first run should reach its before-hook");
            await Task.Delay(100, cts.Token);
        }

        var second = await workspace.RunAsync(cts.Token, "run-now", job);
        first.HasExited.Should().BeFalse("the first run is still in its before-hook");
        await DockerCli.RunAsync(cts.Token, "exec", app, "touch", "/tmp/go");
        var firstResult = await first.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);

        second.ExitCode.Should().Be(1, second.ToString());
        second.Stderr.Should().Contain($"Job {job} is already running in another agent process; not started again");
        firstResult.ExitCode.Should().Be(0, firstResult.ToString());
        workspace.SetDirectories(job).Should().ContainSingle("only the first run wrote a set");
    }
}
