using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Safety;

/// <summary>Two runs of one job never overlap: a second run-now of a running job says so and does not start.</summary>
[Collection(DockerTests.Name)]
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
        workspace.WriteConfig($"""
            jobs:
              {job}:
                hooks:
                  before:
                    - container: {app}
                      command: ["sleep", "4"]
                sources:
                  - volume: {volume}
            """);

        await using var first = await workspace.StartAsync(cts.Token, "run-now", job);
        await Task.Delay(TimeSpan.FromSeconds(1.5), cts.Token);
        first.HasExited.Should().BeFalse("the first run is still in its before-hook");
        var second = await workspace.RunAsync(cts.Token, "run-now", job);
        var firstResult = await first.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);

        second.ExitCode.Should().Be(1, second.ToString());
        second.Stderr.Should().Contain($"Job {job} is already running in another agent process; not started again");
        firstResult.ExitCode.Should().Be(0, firstResult.ToString());
        workspace.SetDirectories(job).Should().ContainSingle("only the first run wrote a set");
    }
}
