using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.Manifest;
using VolumeAgent.Runs;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>
/// Several agents share one engine (a daemon per stack, run-now with its own state_dir, test sessions): a
/// starting agent sweeps only what crashed agents of its own state directory left behind.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class LeftoverSweepTests : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), $"va-test-sweep-{Guid.NewGuid():N}");

    public LeftoverSweepTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    public void Dispose()
    {
        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    [Fact]
    public async Task SweepAsync_HelpersOfACrashedInstanceHereAndOfAnotherAgent_RemovesOnlyTheCrashedOnesHere()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        string crashedHere;
        using (var crashed = AgentInstance.Acquire(_stateDir))
        {
            crashedHere = crashed.Id;
        }

        // A crash leaves the lock file behind, unlocked; a clean exit deletes it.
        await File.WriteAllBytesAsync(Path.Combine(_stateDir, "instances", crashedHere + ".lock"), [], timeout.Token);
        using var alive = AgentInstance.Acquire(_stateDir);
        var ofCrashed = await HelperAsync(scope, crashedHere, timeout.Token);
        var ofAlive = await HelperAsync(scope, alive.Id, timeout.Token);
        var ofAnotherAgent = await HelperAsync(scope, "0123456789ab", timeout.Token);

        var removed = await LeftoverSweeper.SweepAsync(_docker.Engine, _stateDir, Serilog.Core.Logger.None, timeout.Token);

        removed.Should().Be(1);
        (await _docker.Client.TryInspectContainerAsync(ofCrashed, timeout.Token)).Should().BeNull("a crashed instance of this state directory left it");
        (await _docker.Client.TryInspectContainerAsync(ofAlive, timeout.Token)).Should().NotBeNull("its agent still runs");
        (await _docker.Client.TryInspectContainerAsync(ofAnotherAgent, timeout.Token)).Should().NotBeNull("another agent's liveness cannot be seen from here");
    }

    private Task<string> HelperAsync(TestScope scope, string instance, CancellationToken cancellationToken)
    {
        var labels = _docker.LabelsWith((AgentLabelNames.Instance, instance), (AgentLabelNames.RunId, "00000000"));
        labels[AgentLabelNames.Owner] = AgentLabelNames.OwnerValue;
        return scope.CreateContainerAsync(new CreateContainerParameters { Image = TestImages.Helper, Cmd = ["true"], Labels = labels }, cancellationToken);
    }
}
