using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.S3;
using VolumeAgent.IntegrationTests.Sftp;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restic;

/// <summary>
/// An <c>sftp:</c> restic repository on the OpenSSH server the SFTP storage tests use: restic's own sftp backend in the
/// helper, logging in with the key and checking the host key against known_hosts, both mounted read-only. A missing
/// repository without <c>init</c>, then backup, retention (forget + prune), list, a drill, a restore that is identical,
/// and a wrong password, all against the remote repository.
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
    public async Task AnSftpRepository_BacksUpPrunesDrillsAndRestores_WithTheKeyAndKnownHostsMountedReadOnly()
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

        var wrong = Path.Combine(workspace.Root, "wrong-password");
        await File.WriteAllTextAsync(wrong, "not-the-password\n", ct);
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, Storage(init: false, wrong), job, volume));
        var refused = await workspace.RunAsync(ct, "run-now", job);
        refused.ExitCode.Should().NotBe(0, refused.ToString());
        refused.Output.Should().Contain("restic storage 'vault'").And.Contain("password_file");
        (first.Output + second.Output + drill.Output + refused.Output).Should().NotContain(repository.Password).And.NotContain("PRIVATE KEY");
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    private static long RepositoryBytes(SftpServer server) =>
        Directory.EnumerateFiles(Path.Combine(server.StorePath, "restic"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
