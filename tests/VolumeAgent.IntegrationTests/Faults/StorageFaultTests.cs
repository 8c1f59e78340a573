using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.Tests.Storage;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>
/// The local storage failing under a run: full in the middle of an artifact (a small tmpfs), mounted read-only, and
/// deleted while an artifact is written. Each run ends failed naming the storage and the cause; after the operator's
/// repair the next run succeeds (<see cref="FaultCase"/> checks the rest). The tmpfs is mounted over the workspace's
/// storage directory, so the workspace's own paths stay right (the tests run as root, as CI does).
/// </summary>
[Collection(DockerTests.Faults)]
[Trait("Category", "Fault")]
public sealed class StorageFaultTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public StorageFaultTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task StorageFullMidArtifact_RunFailsNamingTheFullDisk_NextRunWithRoomSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        using var mount = TmpfsMount.TryMount(workspace.StorePath, "size=3m");
        mount.Should().NotBeNull("the test mounts a small tmpfs, which needs root");
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, "storage full mid-artifact (3 MiB tmpfs)", cts.Token);
        var volume = await FilledVolumeAsync(scope, "head -c 1048576 /dev/urandom > /data/first", cts.Token);
        var job = workspace.Job("full");
        await fault.EarlierSetAsync(job, Config(job, volume, "none"), cts.Token);

        // 4 MiB more than the disk has room for, written in the middle of the archive.
        await FilledVolumeAsync(scope, "head -c 4194304 /dev/urandom > /data/second", cts.Token, volume);
        fault.Injected();
        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.FailedNamingCause, "the artifact failed: \"Backup storage is full … disk full\"; its partial file removed; the operator made room")
            {
                Run = result,
                Causes = ["Backup storage is full", "disk full"],
                Repair = ct => HostProcess.RunCheckedAsync("mount", ["-o", "remount,size=32m", workspace.StorePath], ct),
            },
            cts.Token);
        Directory.EnumerateFiles(workspace.StorePath, ".*.partial", SearchOption.AllDirectories).Should().BeEmpty("no partial file stays");
    }

    [Fact]
    public async Task StorageReadOnly_RunFailsBeforeTouchingAnythingNamingTheStorage_NextRunAfterRemountSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        using var mount = TmpfsMount.TryMount(workspace.StorePath, "size=16m");
        mount.Should().NotBeNull("the test mounts a tmpfs, which needs root");
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, "storage read-only (remounted ro)", cts.Token);
        var volume = await FilledVolumeAsync(scope, "echo kept > /data/file", cts.Token);
        var job = workspace.Job("readonly");
        await fault.EarlierSetAsync(job, Config(job, volume, "gzip"), cts.Token);

        await HostProcess.RunCheckedAsync("mount", ["-o", "remount,ro", workspace.StorePath], cts.Token);
        fault.Injected();
        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.FailedNamingCause, "the run failed before any hook or stop: the storage cannot take a file (read-only); remounted rw by the operator")
            {
                Run = result,
                Causes = ["Storage 'local'", workspace.StorePath, "ead-only"],
                Repair = ct => HostProcess.RunCheckedAsync("mount", ["-o", "remount,rw", workspace.StorePath], ct),
            },
            cts.Token);
    }

    [Fact]
    public async Task StorageDirectoryDeletedMidRun_RunFailsNamingIt_AndDoesNotCreateItAgain_NextRunAfterItIsBackSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, "storage directory deleted mid-run", cts.Token);

        // 192 MiB of random bytes, gzipped: seconds of writing, to delete the directory under.
        var volume = await FilledVolumeAsync(
            scope, "head -c 67108864 /dev/urandom > /data/chunk && cat /data/chunk /data/chunk /data/chunk > /data/large.bin && rm /data/chunk", cts.Token);
        var job = workspace.Job("deleted");
        fault.Job = job;
        workspace.WriteConfig(Config(job, volume, "gzip"));

        await using var run = await workspace.StartAsync(cts.Token, "run-now", job);
        await FailureChecks.WhenDumpGrowsAsync(workspace, job, null, $"volume-{volume}.tar.gz", run, cts.Token);
        Directory.Delete(workspace.StorePath, recursive: true);
        fault.Injected();
        var result = await run.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);
        Directory.Exists(workspace.StorePath).Should().BeFalse("the agent never creates a storage directory that went away (a share that is not mounted)");

        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.FailedNamingCause, "the artifact and the set failed naming the missing directory; the agent did not create it again; the operator did")
            {
                Run = result,
                Causes = ["Storage 'local'", workspace.StorePath],
                Repair = _ =>
                {
                    Directory.CreateDirectory(workspace.StorePath);
                    return Task.CompletedTask;
                },
                Lost = "the sets in the deleted directory (the fault deleted them, not the agent)",
            },
            cts.Token);
    }

    private static string Config(string job, string volume, string compression) => $"""
        jobs:
          {job}:
            compression: {compression}
            sources:
              - volume: {volume}
        """;

    /// <summary>Runs <paramref name="script"/> with the volume at /data (a new one unless given); returns the volume.</summary>
    private async Task<string> FilledVolumeAsync(TestScope scope, string script, CancellationToken cancellationToken, string? volume = null)
    {
        volume ??= await scope.CreateVolumeAsync("fault-data", cancellationToken);
        var fill = await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", script],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    LogConfig = new LogConfig { Type = "none" },
                    Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data" }],
                },
            },
            cancellationToken);
        fill.ExitCode.Should().Be(0, fill.Stderr);
        return volume;
    }
}
