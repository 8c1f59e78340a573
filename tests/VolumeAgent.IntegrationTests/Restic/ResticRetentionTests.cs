using System.Diagnostics;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.S3;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restic;

/// <summary>
/// Retention on a restic storage: the sets it decides to drop lose their snapshots (<c>restic forget</c>) and their
/// data (<c>restic prune</c>), the newest set still restores, and a repository another restic process holds locked
/// is reported with the fix rather than unlocked.
/// </summary>
[Collection(DockerTests.Restic)]
public sealed class ResticRetentionTests
{
    private const string Churn = "head -c 2000000 /dev/urandom > /data/random.bin; date +%s%N > /data/stamp";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(8);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ResticRetentionTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task KeepLastOne_ForgetsAndPrunesTheOlderSets_AndTheNewestRestores()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var volume = await docker.CreateVolumeAsync("restic-ret", ct);
        var job = workspace.Job("restic-ret");
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, repository.StorageYaml("vault"), job, volume, extra: "    retention: { keep_last: 1 }\n"));
        var sets = new List<string>();

        for (var i = 0; i < 3; i++)
        {
            // 2 MB of new random data each run: what the older sets alone hold is what prune must remove.
            await docker.ShellAsync(volume, Churn, ct);
            var run = await workspace.RunAsync(ct, "run-now", job);
            run.ExitCode.Should().Be(0, run.ToString());
            run.Output.Should().NotContain(repository.Password);
            sets.Add((await repository.SnapshotsAsync(ct)).Where(s => s.Path != "/data").Select(s => s.Path.Split('/')[2]).Order(StringComparer.Ordinal).Last());
        }

        var snapshots = await repository.SnapshotsAsync(ct);
        snapshots.Should().NotBeEmpty().And.OnlyContain(s => s.Tags.Contains("set=" + sets[2]), "keep_last: 1 forgets every snapshot of the two older sets");
        snapshots.Should().Contain(s => s.Path == $"/{job}/{sets[2]}" && s.Tags.Contains("object=manifest.json"), "the newest set's SHA256SUMS and manifest.json are one snapshot of its directory");
        RepositoryBytes(repository).Should().BeLessThan(4_000_000, "prune removed the older runs' 2 MB of random data each, leaving about one copy");
        await repository.RunAsync(ct, "check");
        var list = await workspace.RunAsync(ct, "list", job);
        list.Stdout.Should().Contain(sets[2]).And.NotContain(sets[0]).And.NotContain(sets[1]);

        var target = docker.UniqueName("restic-ret-restored");
        var restore = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--to-volume", target, "--yes");
        try
        {
            restore.ExitCode.Should().Be(0, restore.ToString());
            (await docker.TreeAsync(target, ct)).Should().Be(await docker.TreeAsync(volume, ct), "the newest set restores after the older ones were pruned");
        }
        finally
        {
            await DockerCli.RunAsync(CancellationToken.None, "volume", "rm", "-f", target);
        }

        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    [Fact]
    public async Task WithAPruneSchedule_RetentionOnlyForgets_AndTheDataStaysUntilAPrune()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var volume = await docker.CreateVolumeAsync("restic-sched", ct);
        var job = workspace.Job("restic-sched");
        var storage = repository.StorageYaml("vault").Replace(" }\n", ", prune_schedule: \"0 5 * * 0\" }\n", StringComparison.Ordinal);
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, storage, job, volume, extra: "    retention: { keep_last: 1 }\n"));
        for (var i = 0; i < 2; i++)
        {
            await docker.ShellAsync(volume, Churn, ct);
            var run = await workspace.RunAsync(ct, "run-now", job);
            run.ExitCode.Should().Be(0, run.ToString());
        }

        var sets = (await repository.SnapshotsAsync(ct)).Select(s => s.Tags.Single(t => t.StartsWith("set=", StringComparison.Ordinal))).Distinct().ToList();
        sets.Should().ContainSingle("keep_last: 1 forgot the older set's snapshots");
        RepositoryBytes(repository).Should().BeGreaterThan(4_000_000, "without a prune both runs' 2 MB of random data stay");
        await repository.RunAsync(ct, "prune");
        RepositoryBytes(repository).Should().BeLessThan(4_000_000, "the forgotten set's data goes with the prune the daemon runs on prune_schedule");
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    [Fact]
    public async Task ARepositoryLockedByAnotherResticProcess_FailsThePrune_NamingTheStorageAndResticUnlock_AndForgetsNothing()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var volume = await docker.CreateVolumeAsync("restic-lock", ct);
        await docker.ShellAsync(volume, Churn, ct);
        var job = workspace.Job("restic-lock");
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, repository.StorageYaml("vault"), job, volume));
        for (var i = 0; i < 2; i++)
        {
            var run = await workspace.RunAsync(ct, "run-now", job);
            run.ExitCode.Should().Be(0, run.ToString());
        }

        var before = await repository.SnapshotsAsync(ct);
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, repository.StorageYaml("vault"), job, volume, extra: "    retention: { keep_last: 1 }\n"));

        // A restic backup on the host that waits for its input holds a lock on the repository all the while.
        using var holder = StartLockHolder(repository);
        try
        {
            await WaitForLockAsync(repository, holder, ct);

            var prune = await workspace.RunAsync(ct, "prune", job);

            prune.ExitCode.Should().NotBe(0, prune.ToString());
            prune.Output.Should().Contain("restic storage 'vault'").And.Contain("locked by another restic process").And.Contain("restic unlock");
            prune.Output.Should().NotContain(repository.Password);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync(CancellationToken.None);
        }

        (await repository.SnapshotsAsync(ct)).Select(s => s.Id).Should().BeEquivalentTo(before.Select(s => s.Id), "forget needs the exclusive lock it could not get");
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    private static Process StartLockHolder(ResticRepository repository)
    {
        var start = new ProcessStartInfo("restic")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--repo", repository.Path, "--password-file", repository.PasswordFile, "--no-cache", "backup", "--stdin", "--stdin-filename", "lock-holder"])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start restic.");
    }

    private static async Task WaitForLockAsync(ResticRepository repository, Process holder, CancellationToken cancellationToken)
    {
        var locks = Path.Combine(repository.Path, "locks");
        var waited = Stopwatch.StartNew();
        while (!Directory.Exists(locks) || !Directory.EnumerateFiles(locks).Any())
        {
            if (holder.HasExited || waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"The host's restic took no lock on {repository.Path} (exited: {holder.HasExited}).");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static long RepositoryBytes(ResticRepository repository) =>
        Directory.EnumerateFiles(repository.Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
