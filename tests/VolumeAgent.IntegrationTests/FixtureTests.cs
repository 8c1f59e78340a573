using System.Diagnostics;
using System.Globalization;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

/// <summary>The fixtures' own promises: leftovers of crashed runs are swept, live runs are not, scopes clean up.</summary>
[Collection(DockerTests.Name)]
public sealed class FixtureTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public FixtureTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task SweepEarlierRunsAsync_ObjectsOfDeadAndLiveRuns_RemovesOnlyTheDeadRunsObjects()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var client = _docker.Client;
        var deadProcess = await DeadProcessLabelAsync();
        var liveProcess = _docker.Labels[DockerFixture.ProcessLabel];
        var dead = Labels("dead0000", deadProcess);
        var live = Labels("1111aaaa", liveProcess);
        var deadVolume = _docker.UniqueName("sweep-dead");
        var liveVolume = _docker.UniqueName("sweep-live");
        string? deadContainer = null, liveContainer = null;
        try
        {
            await client.Volumes.CreateAsync(new VolumesCreateParameters { Name = deadVolume, Labels = dead }, cts.Token);
            await client.Volumes.CreateAsync(new VolumesCreateParameters { Name = liveVolume, Labels = live }, cts.Token);
            deadContainer = (await client.Containers.CreateContainerAsync(new CreateContainerParameters { Image = TestImages.Helper, Labels = dead }, cts.Token)).ID;
            liveContainer = (await client.Containers.CreateContainerAsync(new CreateContainerParameters { Image = TestImages.Helper, Labels = live }, cts.Token)).ID;

            await _docker.SweepEarlierRunsAsync(cts.Token);

            (await client.TryInspectContainerAsync(deadContainer, cts.Token)).Should().BeNull("its test process is gone");
            (await client.TryInspectVolumeAsync(deadVolume, cts.Token)).Should().BeNull("its test process is gone");
            (await client.TryInspectContainerAsync(liveContainer, cts.Token)).Should().NotBeNull("its test process still runs");
            (await client.TryInspectVolumeAsync(liveVolume, cts.Token)).Should().NotBeNull("its test process still runs");
        }
        finally
        {
            foreach (var id in new[] { deadContainer, liveContainer }.OfType<string>())
            {
                await client.RemoveContainerForcedAsync(id, CancellationToken.None);
            }

            await client.RemoveVolumeForcedAsync(deadVolume, CancellationToken.None);
            await client.RemoveVolumeForcedAsync(liveVolume, CancellationToken.None);
        }
    }

    [Fact]
    public async Task TestScope_Disposed_RemovesItsContainersAndVolumesEvenWhenRunning()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        string volume, container;
        await using (var scope = _docker.CreateScope(_output))
        {
            volume = await scope.CreateVolumeAsync("scope", cts.Token);
            container = await scope.StartSleeperAsync(cts.Token, [new Mount { Type = "volume", Source = volume, Target = "/data" }]);
        }

        (await _docker.Client.TryInspectContainerAsync(container, cts.Token)).Should().BeNull();
        (await _docker.Client.TryInspectVolumeAsync(volume, cts.Token)).Should().BeNull();
    }

    [Fact]
    public async Task CreateVolumeAndRunContainer_OnTheFixture_CarryTheRunLabelsSoTheEndOfTheRunFindsThem()
    {
        using var cts = new CancellationTokenSource(TestTimeout);

        var volume = await _docker.CreateVolumeAsync("run-level", cts.Token);
        var container = await _docker.RunContainerAsync(
            new CreateContainerParameters { Image = TestImages.Helper, Cmd = ["true"], Labels = _docker.LabelsWith() }, cts.Token);
        var volumes = await _docker.Client.ListVolumesAsync(_docker.RunFilter, cts.Token);
        var containers = await _docker.Client.ListContainersAsync(_docker.RunFilter, cts.Token);

        volume.Should().StartWith($"va-test-run-level-{_docker.TestRunId}-");
        volumes.Select(v => v.Name).Should().Contain(volume);
        containers.Select(c => c.ID).Should().Contain(container);
    }

    [Fact]
    public async Task CreateContainerAsync_RequestWithoutRunLabels_IsRefusedBeforeReachingTheEngine()
    {
        await using var scope = _docker.CreateScope(_output);

        var create = () => scope.CreateContainerAsync(new CreateContainerParameters { Image = TestImages.Helper }, CancellationToken.None);

        await create.Should().ThrowAsync<ArgumentException>().WithMessage("*run's labels*");
    }

    private static Dictionary<string, string> Labels(string run, string process) => new(StringComparer.Ordinal)
    {
        [DockerFixture.OwnerLabel] = DockerFixture.OwnerValue,
        [DockerFixture.RunLabel] = run,
        [DockerFixture.ProcessLabel] = process,
    };

    /// <summary>The process label of a test process that has ended: a real pid, its real start time, now gone.</summary>
    private static async Task<string> DeadProcessLabelAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("sleep", "1") { UseShellExecute = false })!;
        var started = new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();
        await process.WaitForExitAsync();
        return string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{process.Id}/{started}");
    }
}
