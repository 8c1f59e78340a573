using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.Tests.Storage;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// A job with two storages, one of which fills up mid-run (a real tmpfs too small for the archive): the other still
/// gets a complete set, the run exits 1 naming the storage that did not, <c>list</c> names the gap and the command
/// that closes it, and once there is room <c>sync</c> copies the set, which then verifies in both storages, passes
/// <c>sha256sum -c</c> there, and is what each storage's <c>latest</c> link points at.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class SeveralStoragesTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public SeveralStoragesTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_OneStorageFillsUp_TheOtherGetsTheSet_SyncCopiesItLater_BothVerify()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("two-stores", cts.Token);
        var labels = _docker.Labels.SelectMany(l => new[] { "--label", $"{l.Key}={l.Value}" });
        await DockerCli.RunAsync(cts.Token, ["run", "--rm", .. labels, "--network", "none", "-v", $"{volume}:/data", TestImages.Helper, "sh", "-c", "head -c 1048576 /dev/urandom > /data/blob"]);
        using var mount = TmpfsMount.TryMount(Path.Combine(workspace.Root, "offsite"), "size=256k");
        mount.Should().NotBeNull("the test mounts a small tmpfs, which needs root");
        var job = workspace.Job("two");
        workspace.WriteWholeConfig($"""
            helper_image: {TestImages.Helper}
            state_dir: {workspace.StateDir}
            storage:
              local: {"{"} type: local, path: {workspace.StorePath} {"}"}
              offsite: {"{"} type: local, path: {mount!.Path} {"}"}
            jobs:
              {job}:
                storage: [local, offsite]
                compression: none
                sources:
                  - volume: {volume}
            """);

        var run = await workspace.RunAsync(cts.Token, "run-now", job);

        run.ExitCode.Should().Be(1, run.ToString());
        run.Stdout.Split('\n').Should().ContainSingle(l => l.StartsWith($"job {job}: FAILED", StringComparison.Ordinal)).Which
            .Should().Contain("storage 'offsite'").And.Contain("The set is on local").And.Contain($"volume-agent sync {job} --to offsite");
        var set = Path.GetFileName(workspace.SetDirectories(job).Should().ContainSingle().Subject);
        Directory.EnumerateFiles(Path.Combine(mount.Path, job, set)).Should().BeEmpty("the partial upload is removed and no manifest is written");
        var list = await workspace.RunAsync(cts.Token, "list", job);
        list.ExitCode.Should().Be(0, list.ToString());
        list.Stdout.Should().Contain($"{job}/{set} is not complete in storage offsite (it is in local): `volume-agent sync {job} --to offsite` copies it.");

        (await HostProcess.RunAsync("mount", ["-o", "remount,size=16m", mount.Path], cts.Token)).ExitCode.Should().Be(0);
        var sync = await workspace.RunAsync(cts.Token, "sync", job);

        sync.ExitCode.Should().Be(0, sync.ToString());
        sync.Stdout.Should().Contain($"copied {job}/{set} from local to offsite");
        var verify = await workspace.RunAsync(cts.Token, "verify", "--latest", job);
        verify.ExitCode.Should().Be(0, verify.ToString());
        foreach (var root in new[] { workspace.StorePath, mount.Path })
        {
            var sums = await HostProcess.RunAsync("sha256sum", ["-c", "SHA256SUMS"], cts.Token, workingDirectory: Path.Combine(root, job, set));
            sums.ExitCode.Should().Be(0, sums.Output);
            new FileInfo(Path.Combine(root, job, "latest")).LinkTarget.Should().Be(set, $"latest in {root} points at the set");
        }

        var again = await workspace.RunAsync(cts.Token, "sync", job);
        again.ExitCode.Should().Be(0, again.ToString());
        again.Stdout.Should().Contain("Every storage holds every complete set of its jobs.");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }
}
