using System.Diagnostics;
using System.Globalization;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.S3;
using VolumeAgent.IntegrationTests.Sftp;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restic;

/// <summary>
/// An <c>sftp:</c> restic repository on the OpenSSH server the SFTP storage tests use: restic's own sftp backend in the
/// helper, logging in with the key and checking the host key against known_hosts, both mounted read-only. A missing
/// repository without <c>init</c>, then backup, retention (forget + prune), list, a drill, a restore that is identical,
/// a restore into the non-empty original refused without <c>--force</c> (and done with it, after a safety copy), a
/// wrong password, and a repository another restic process holds locked exclusively, all against the remote
/// repository and in one set-up.
/// </summary>
[Collection(DockerTests.Restic)]
public sealed class ResticSftpTests
{
    private const string Image = "volume-agent-test/restic-ssh:bookworm";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(8);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ResticSftpTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task AnSftpRepository_BacksUpPrunesDrillsAndRestores_RefusesANonEmptyTargetAndALockedRepository_WithTheKeyAndKnownHostsMountedReadOnly()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await _docker.RequireImageAsync(Image, ct);
        await using var server = await SftpServer.StartAsync(_docker, _output, ct);
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);

        // The restic helpers reach the server on the engine's bridge, by its address and port 22.
        var container = (await DockerCli.RunAsync(ct, "ps", "-q", "--filter", $"publish={server.Port}")).Trim();
        var address = (await DockerCli.RunAsync(ct, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", container)).Trim();
        var knownHosts = Path.Combine(workspace.Root, "known_hosts");
        var hostKey = (await File.ReadAllTextAsync(server.HostKeyPath + ".pub", ct)).Split(' ');
        await File.WriteAllTextAsync(knownHosts, $"{address} {hostKey[0]} {hostKey[1]}\n", ct);
        var location = $"sftp:{SftpServer.User}@{address}:{SftpServer.RemotePath}/restic";
        string Storage(bool init, string? passwordFile = null) =>
            $"  vault: {{ type: restic, repository: \"{location}\", password_file: {passwordFile ?? repository.PasswordFile}, init: {(init ? "true" : "false")}, image: {Image}, private_key_file: {server.UserKeyPath}, known_hosts_file: {knownHosts} }}\n";

        var volume = await docker.CreateVolumeAsync("restic-sftp", ct);
        await docker.ShellAsync(volume, "mkdir -p /data/d; head -c 2000000 /dev/urandom > /data/d/random.bin; echo one > /data/a.txt", ct);
        var job = workspace.Job("restic-sftp");
        var retention = "    retention: { keep_last: 1 }\n";
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, Storage(init: false), job, volume, extra: retention));

        var missing = await workspace.RunAsync(ct, "run-now", job);
        missing.ExitCode.Should().NotBe(0, missing.ToString());
        missing.Output.Should().Contain("restic storage 'vault'").And.Contain("no restic repository at " + location).And.Contain("init: true");
        Directory.Exists(Path.Combine(server.StorePath, "restic")).Should().BeFalse("without init: true nothing is created");

        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, Storage(init: true), job, volume, extra: retention));
        var first = await workspace.RunAsync(ct, "run-now", job);
        first.ExitCode.Should().Be(0, first.ToString());
        File.Exists(Path.Combine(server.StorePath, "restic", "config")).Should().BeTrue("restic init made the repository on the server");
        var firstSize = RepositoryBytes(server);
        await docker.ShellAsync(volume, "head -c 2000000 /dev/urandom > /data/d/random.bin; echo two > /data/a.txt", ct);
        var second = await workspace.RunAsync(ct, "run-now", job);
        second.ExitCode.Should().Be(0, second.ToString());
        RepositoryBytes(server).Should().BeLessThan(firstSize + 1_000_000, "keep_last: 1 forgot the first set and pruned its 2 MB of random data");

        var list = await workspace.RunAsync(ct, "list", job);
        list.ExitCode.Should().Be(0, list.ToString());
        list.Stdout.Should().Contain("vault").And.Contain("succeeded");
        var drill = await workspace.RunAsync(ct, "verify", "--latest", job, "--drill");
        drill.ExitCode.Should().Be(0, drill.ToString());
        drill.Stdout.Should().Contain("identical to the snapshot's own list");
        var target = docker.UniqueName("restic-sftp-restored");
        try
        {
            var restore = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--to-volume", target, "--yes");
            restore.ExitCode.Should().Be(0, restore.ToString());
            (await docker.TreeAsync(target, ct)).Should().Be(await docker.TreeAsync(volume, ct));
        }
        finally
        {
            await DockerCli.RunAsync(CancellationToken.None, "volume", "rm", "-f", target);
        }

        // The original volume, no longer empty and changed since the set: replaced only with --force, after a safety copy.
        var expected = await docker.TreeAsync(volume, ct);
        await docker.ShellAsync(volume, "echo changed > /data/a-new-file", ct);
        var snapshotsBefore = SnapshotFiles(server).Count;
        var refusedRestore = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--yes");
        refusedRestore.ExitCode.Should().NotBe(0, refusedRestore.ToString());
        refusedRestore.Output.Should().Contain(volume).And.Contain("is not empty").And.Contain("--force");
        (await docker.ShellAsync(volume, "cat /data/a-new-file", ct)).Should().Be("changed\n", "a refused restore touches nothing");
        SnapshotFiles(server).Should().HaveCount(snapshotsBefore, "a refused restore makes no safety copy either");
        var forced = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--force", "--yes");
        forced.ExitCode.Should().Be(0, forced.ToString());
        (await docker.TreeAsync(volume, ct)).Should().Be(expected, "--force replaced the volume's content with the snapshot's");
        SnapshotFiles(server).Count.Should().BeGreaterThan(snapshotsBefore, "the safety copy of the changed volume went to the sftp: repository first");

        var wrong = Path.Combine(workspace.Root, "wrong-password");
        await File.WriteAllTextAsync(wrong, "not-the-password\n", ct);
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, Storage(init: false, wrong), job, volume));
        var refused = await workspace.RunAsync(ct, "run-now", job);
        refused.ExitCode.Should().NotBe(0, refused.ToString());
        refused.Output.Should().Contain("restic storage 'vault'").And.Contain("password_file");
        (first.Output + second.Output + drill.Output + forced.Output + refused.Output).Should().NotContain(repository.Password).And.NotContain("PRIVATE KEY");

        // A live restic process on the host holds the repository's exclusive lock (`key passwd` waits for the new password).
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, Storage(init: false), job, volume));
        var snapshots = SnapshotFiles(server);
        using var holder = StartLockHolder(server, repository);
        try
        {
            var held = await WaitForLockAsync(server, holder, ct);

            var locked = await workspace.RunAsync(ct, "run-now", job);

            locked.ExitCode.Should().NotBe(0, locked.ToString());
            locked.Output.Should().Contain("restic storage 'vault'").And.Contain(location).And.Contain("locked by another restic process").And.Contain("restic unlock");
            locked.Output.Should().NotContain(repository.Password);
            LockFiles(server).Should().Contain(held, "the agent never removes another process's lock");
            holder.HasExited.Should().BeFalse("the lock's holder is still waiting");
            SnapshotFiles(server).Should().BeEquivalentTo(snapshots, "nothing was written to the locked repository");
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync(CancellationToken.None);
        }

        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    /// <summary>
    /// The host's restic running <c>key passwd</c> on the repository through the server's published port: it takes the
    /// exclusive lock, then waits for the new password on its standard input, which the test never writes.
    /// </summary>
    private static Process StartLockHolder(SftpServer server, ResticRepository repository)
    {
        var start = new ProcessStartInfo("restic")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var ssh = string.Create(
            CultureInfo.InvariantCulture,
            $"ssh -p {server.Port} -i {server.UserKeyPath} -o UserKnownHostsFile={server.KnownHostsPath} -o StrictHostKeyChecking=yes -o BatchMode=yes {SftpServer.User}@127.0.0.1 -s sftp");
        foreach (var argument in (string[])["--repo", $"sftp:{SftpServer.User}@127.0.0.1:{SftpServer.RemotePath}/restic", "-o", "sftp.command=" + ssh,
                     "--password-file", repository.PasswordFile, "--no-cache", "key", "passwd"])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start restic.");
    }

    /// <summary>The name of the lock file the holder wrote on the server.</summary>
    private static async Task<string> WaitForLockAsync(SftpServer server, Process holder, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (LockFiles(server) is [var held])
            {
                return held;
            }

            if (holder.HasExited || waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                var stderr = holder.HasExited ? await holder.StandardError.ReadToEndAsync(cancellationToken) : string.Empty;
                throw new InvalidOperationException($"The host's restic took no lock on the sftp: repository (exited: {holder.HasExited}) {stderr}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>
    /// The repository's lock files, by their final names (64 hex digits, the lock's id): restic's sftp backend writes
    /// each file under a temporary name first and renames it, and a lock seen under that name is gone a moment later.
    /// </summary>
    private static IReadOnlyList<string> LockFiles(SftpServer server) =>
        [.. Files(server, "locks").Where(name => name.Length == 64 && name.All(char.IsAsciiHexDigitLower))];

    private static IReadOnlyList<string> SnapshotFiles(SftpServer server) => Files(server, "snapshots");

    private static IReadOnlyList<string> Files(SftpServer server, string folder)
    {
        var path = Path.Combine(server.StorePath, "restic", folder);
        return Directory.Exists(path) ? [.. Directory.EnumerateFiles(path).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)] : [];
    }

    private static long RepositoryBytes(SftpServer server) =>
        Directory.EnumerateFiles(Path.Combine(server.StorePath, "restic"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
