using System.Diagnostics;
using System.Globalization;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Daemon;
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

    /// <summary>
    /// A folder of a dead test process goes with its loop device; a live process's stays, and so does a folder named
    /// like a Docker object even when its run id is all digits (an agent container's folder once was, and a sweep
    /// read that run id as a pid of a process that had never run, and removed the folder from under the test).
    /// </summary>
    [Fact]
    public async Task TestFolders_SweepOfDeadProcesses_RemovesTheirFoldersAndLoopDevices_AndNothingElse()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var parent = Directory.CreateTempSubdirectory("va-test-folders-").FullName;
        string? device = null;
        try
        {
            var dead = Directory.CreateDirectory(Path.Combine(parent, "va-pid999999-loop-aaaa")).FullName;
            var live = Directory.CreateDirectory(Path.Combine(parent, $"va-pid{Environment.ProcessId}-agent-bbbb")).FullName;
            var dockerNamed = Directory.CreateDirectory(Path.Combine(parent, "va-test-agent-12345678-3")).FullName;
            var notAPid = Directory.CreateDirectory(Path.Combine(parent, "va-pid12ab-agent-cccc")).FullName;
            var image = Path.Combine(dead, "disk.img");
            await using (var file = File.Create(image))
            {
                file.SetLength(1 << 20);
            }

            device = await LoopDevices.AttachAsync(image, cts.Token);

            var removed = TestFolders.RemoveThoseOfDeadProcesses(parent, isRunning: pid => pid != 999999);

            removed.Should().Equal(dead);
            Directory.Exists(dead).Should().BeFalse();
            Directory.Exists(live).Should().BeTrue();
            Directory.Exists(dockerNamed).Should().BeTrue();
            Directory.Exists(notAPid).Should().BeTrue();
            var loops = await CommandLine.RunAsync("losetup", ["--list", "--noheadings", "--output", "NAME"], cts.Token);
            CommandLine.Lines(loops.Stdout).Should().NotContain(device, "the dead run's loop device is detached with its folder");
            device = null;
        }
        finally
        {
            if (device is not null)
            {
                await LoopDevices.DetachAsync(device);
            }

            Directory.Delete(parent, recursive: true);
        }
    }

    /// <summary>The tests' `docker pause` waits while the kernel cannot freeze the container (its process in state D).</summary>
    [Fact]
    public async Task DockerPauseAsync_ProcessInUninterruptibleSleep_PausesOnceTheKernelCanFreezeIt()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var waiting = await DiskWaitContainer.StartAsync(scope, TimeSpan.FromSeconds(5), cts.Token);
        var bare = await CommandLine.DockerAsync(cts.Token, "pause", waiting.Name);
        bare.Stderr.Should().Contain("unable to freeze", "the premise: a bare `docker pause` is refused while dd is in state D");

        await CommandLine.DockerPauseAsync(waiting.Name, cts.Token);

        (await CommandLine.DockerOkAsync(cts.Token, "inspect", "--format", "{{.State.Paused}}", waiting.Name)).Should().Be("true");
        await CommandLine.DockerOkAsync(cts.Token, "unpause", waiting.Name);
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
