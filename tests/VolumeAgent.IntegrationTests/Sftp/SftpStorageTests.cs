using System.Globalization;
using System.Text;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Restore;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Sftp;

/// <summary>
/// <c>type: sftp</c> against a real OpenSSH server in a container: sets written, listed, verified, restored and pruned
/// there as in a local storage, with key and password logins, and usable by hand with OpenSSH's own sftp client.
/// </summary>
[Collection(DockerTests.Storages)]
public sealed class SftpStorageTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public SftpStorageTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task KeyLogin_BackupListVerifyRestore_IsIdentical_AndTheSetChecksWithOpenSshAndSha256sum()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var server = await SftpServer.StartAsync(_docker, _output, ct);
        await using var volumes = new TestVolumes(_docker, _output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = await volumes.CreateAsync("sftp-src", VolumeRestoreTests.FillScript, ct);
        var job = workspace.Job("sftp-key");
        workspace.WriteWholeConfig(Config(workspace, server.StorageYaml("offsite"), job, source));

        var run = await workspace.RunAsync(ct, "run-now", job);

        run.ExitCode.Should().Be(0, run.ToString());
        var set = server.SetDirectories(job).Should().ContainSingle().Subject;
        var setName = Path.GetFileName(set);
        Directory.EnumerateFiles(set).Select(Path.GetFileName).Should().BeEquivalentTo(
            ["manifest.json", "SHA256SUMS", $"volume-{source}.tar.gz"], "a set on the server holds the same files as on disk, and no temporary file");
        var list = await workspace.RunAsync(ct, "list", job);
        list.ExitCode.Should().Be(0, list.ToString());
        list.Stdout.Should().Contain("offsite").And.Contain(setName).And.Contain("succeeded");
        var verify = await workspace.RunAsync(ct, "verify", "--latest", job);
        verify.ExitCode.Should().Be(0, verify.ToString());
        verify.Stdout.Should().Contain("tree digest matches");
        var target = volumes.Target("sftp-restored");
        var restore = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--to-volume", target, "--yes");
        restore.ExitCode.Should().Be(0, restore.ToString());
        (await volumes.ListTreeAsync(target, ct)).Should().Be(await volumes.ListTreeAsync(source, ct), "the restore from SFTP gives back the volume entry by entry");
        var status = await workspace.RunAsync(ct, "status");
        status.ExitCode.Should().Be(0, status.ToString());

        // By hand, without the agent: OpenSSH's sftp fetches the set, sha256sum -c checks it, tar reads it.
        var fetched = Path.Combine(workspace.Root, "fetched");
        Directory.CreateDirectory(fetched);
        var batch = $"get -r {SftpServer.RemotePath}/{job}/{setName} {fetched}\nget {SftpServer.RemotePath}/{job}/latest {fetched}/latest\n";
        var sftp = await HostProcess.RunAsync(
            "sftp",
            ["-b", "-", "-i", server.UserKeyPath, "-o", $"UserKnownHostsFile={server.KnownHostsPath}", "-o", "BatchMode=yes",
                "-P", server.Port.ToString(CultureInfo.InvariantCulture), $"{SftpServer.User}@127.0.0.1"],
            ct,
            new MemoryStream(Encoding.UTF8.GetBytes(batch)));
        sftp.ExitCode.Should().Be(0, sftp.Output);
        File.ReadAllText(Path.Combine(fetched, "latest")).Should().Be(setName + "\n", "the job's latest file names the newest good set");
        var copy = Path.Combine(fetched, setName);
        var sums = await HostProcess.RunAsync("sha256sum", ["-c", "SHA256SUMS"], ct, workingDirectory: copy);
        sums.ExitCode.Should().Be(0, sums.Output);
        sums.Stdout.Should().Contain($"volume-{source}.tar.gz: OK");
        var tar = await HostProcess.RunAsync("tar", ["-tzf", $"volume-{source}.tar.gz"], ct, workingDirectory: copy);
        tar.ExitCode.Should().Be(0, tar.Output);
        tar.Stdout.Should().Contain("deep/random.bin");
    }

    [Fact]
    public async Task PasswordLogin_RetentionAndPrune_DeleteOnTheServer_AndThePasswordIsNowhere()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var server = await SftpServer.StartAsync(_docker, _output, ct);
        await using var volumes = new TestVolumes(_docker, _output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = await volumes.CreateAsync("sftp-ret", "echo one > /data/a; head -c 200000 /dev/urandom > /data/b", ct);
        var job = workspace.Job("sftp-pw");
        workspace.WriteWholeConfig(Config(workspace, server.StorageYaml("offsite", password: true), job, source, "    retention: { keep_last: 2 }\n"));
        var outputs = new StringBuilder();

        for (var i = 0; i < 3; i++)
        {
            var run = await workspace.RunAsync(ct, "run-now", "-v", job);
            outputs.Append(run.Output);
            run.ExitCode.Should().Be(0, run.ToString());
        }

        var kept = server.SetDirectories(job);
        kept.Should().HaveCount(2, "keep_last: 2 deletes the oldest set on the server after the third run");
        var dryRun = await workspace.RunAsync(ct, "prune", job, "--dry-run");
        dryRun.ExitCode.Should().Be(0, dryRun.ToString());
        outputs.Append(dryRun.Output);
        dryRun.Stdout.Should().Contain("KEEP").And.Contain(Path.GetFileName(kept[^1]));
        workspace.WriteWholeConfig(Config(workspace, server.StorageYaml("offsite", password: true), job, source, "    retention: { keep_last: 1 }\n"));
        var prune = await workspace.RunAsync(ct, "prune", job);
        prune.ExitCode.Should().Be(0, prune.ToString());
        outputs.Append(prune.Output);
        server.SetDirectories(job).Should().Equal([kept[^1]], "prune applies the tightened rule on the server and keeps the newest set");
        server.StoredFiles().Should().NotContain(f => f.Contains(".partial", StringComparison.Ordinal));
        var manifests = string.Concat(Directory.EnumerateFiles(server.StorePath, "manifest.json", SearchOption.AllDirectories).Select(File.ReadAllText));

        outputs.ToString().Should().NotContain(server.Password, "the password never reaches the agent's output or logs");
        manifests.Should().NotContain(server.Password).And.NotContain(server.PasswordFile);
    }

    internal static string Config(AgentWorkspace workspace, string storage, string job, string volume, string extra = "") => $"""
        helper_image: {TestImages.Helper}
        state_dir: {workspace.StateDir}
        storage:
        {storage}
        jobs:
          {job}:
            storage: [offsite]
        {extra}    sources:
              - volume: {volume}

        """;
}
