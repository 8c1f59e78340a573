using System.Globalization;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Sftp;

/// <summary>
/// What goes wrong with an SFTP storage is refused clearly, naming the storage, the server and the fix: a changed or
/// unknown host key (before any login), wrong credentials, a missing or read-only path; and a server that dies
/// mid-upload leaves nothing that looks like a set, nor a temporary file once the next run has been.
/// </summary>
[Collection(DockerTests.Storages)]
public sealed class SftpFailureTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public SftpFailureTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task ChangedHostKey_IsRefusedBeforeLogin_WithTheFingerprintsAndTheFix()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var server = await SftpServer.StartAsync(_docker, _output, ct);
        await using var volumes = new TestVolumes(_docker, _output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = await volumes.CreateAsync("sftp-hk", "echo data > /data/file", ct);
        var job = workspace.Job("sftp-hostkey");
        workspace.WriteWholeConfig(SftpStorageTests.Config(workspace, server.StorageYaml("offsite", password: true), job, source));
        (await workspace.RunAsync(ct, "run-now", job)).ExitCode.Should().Be(0, "the pinned key is accepted");
        var before = server.StoredFiles();

        await server.ReplaceHostKeyAsync(ct);
        var run = await workspace.RunAsync(ct, "run-now", job);
        var list = await workspace.RunAsync(ct, "list", job);

        run.ExitCode.Should().Be(1, run.ToString());
        run.Output.Should().Contain("offsite").And.Contain($"host key of the SSH server {server.HostPattern} has CHANGED")
            .And.Contain("did not log in").And.Contain($"ssh-keyscan -p {server.Port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1 >> {server.KnownHostsPath}");
        list.ExitCode.Should().Be(1, list.ToString());
        list.Output.Should().Contain("has CHANGED");
        server.StoredFiles().Should().Equal(before, "nothing is written to a server whose key does not match");
        await AssertNoLoginAsync(server, ct);
    }

    [Fact]
    public async Task UnknownHost_IsRefusedBeforeLogin_AndValidateSaysHowToAddIt()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var server = await SftpServer.StartAsync(_docker, _output, ct);
        await using var volumes = new TestVolumes(_docker, _output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = await volumes.CreateAsync("sftp-unknown", "echo data > /data/file", ct);
        var job = workspace.Job("sftp-unknown");

        // A known_hosts file with the same key under another port (hashed, as HashKnownHosts writes it) pins nothing for this server.
        var other = Path.Combine(server.Root, "other_known_hosts");
        await File.WriteAllTextAsync(other, (await File.ReadAllTextAsync(server.KnownHostsPath, ct)).Replace($"]:{server.Port.ToString(CultureInfo.InvariantCulture)} ", "]:1 ", StringComparison.Ordinal), ct);
        await HostProcess.RunCheckedAsync("ssh-keygen", ["-H", "-f", other], ct);
        workspace.WriteWholeConfig(SftpStorageTests.Config(workspace, server.StorageYaml("offsite", password: true, knownHosts: other), job, source));

        var validate = await workspace.RunAsync(ct, "validate");
        var run = await workspace.RunAsync(ct, "run-now", job);

        validate.Output.Should().Contain($"has no host key for {server.HostPattern}").And.Contain("ssh-keyscan -p");
        run.ExitCode.Should().Be(1, run.ToString());
        run.Output.Should().Contain($"the SSH server {server.HostPattern} is unknown").And.Contain("did not log in")
            .And.Contain($"ssh-keyscan -p {server.Port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1 >> {other}");
        server.StoredFiles().Should().BeEmpty();
        await AssertNoLoginAsync(server, ct);

        // The hashed line for the right port is accepted.
        await File.WriteAllTextAsync(other, await File.ReadAllTextAsync(server.KnownHostsPath, ct), ct);
        await HostProcess.RunCheckedAsync("ssh-keygen", ["-H", "-f", other], ct);
        (await File.ReadAllTextAsync(other, ct)).Should().StartWith("|1|", "the line is hashed now");
        var hashed = await workspace.RunAsync(ct, "run-now", job);
        hashed.ExitCode.Should().Be(0, hashed.ToString());
    }

    [Fact]
    public async Task WrongCredentials_MissingPath_ReadOnlyPath_UnreachableServer_EachFailClearly()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var server = await SftpServer.StartAsync(_docker, _output, ct);
        await using var volumes = new TestVolumes(_docker, _output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = await volumes.CreateAsync("sftp-cred", "echo data > /data/file", ct);
        var job = workspace.Job("sftp-cred");
        var strangerKey = Path.Combine(server.Root, "stranger_key");
        await HostProcess.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-f", strangerKey], ct);
        var wrongPassword = Path.Combine(server.Root, "wrong_password");
        await File.WriteAllTextAsync(wrongPassword, "not-the-password\n", ct);
        Directory.CreateDirectory(Path.Combine(server.DataPath, "readonly"));

        workspace.WriteWholeConfig(SftpStorageTests.Config(workspace, server.StorageYaml("offsite", keyFile: strangerKey), job, source));
        var key = await workspace.RunAsync(ct, "run-now", job);
        workspace.WriteWholeConfig(SftpStorageTests.Config(workspace, server.StorageYaml("offsite", password: true), job, source)
            .Replace(server.PasswordFile, wrongPassword, StringComparison.Ordinal));
        var password = await workspace.RunAsync(ct, "run-now", job);
        workspace.WriteWholeConfig(SftpStorageTests.Config(workspace, server.StorageYaml("offsite", path: "/data/missing"), job, source));
        var missing = await workspace.RunAsync(ct, "run-now", job);
        workspace.WriteWholeConfig(SftpStorageTests.Config(workspace, server.StorageYaml("offsite", path: "/data/readonly"), job, source));
        var readOnly = await workspace.RunAsync(ct, "run-now", job);
        var closedPort = TcpPorts.Free().ToString(CultureInfo.InvariantCulture);
        workspace.WriteWholeConfig(SftpStorageTests.Config(workspace, server.StorageYaml("offsite"), job, source)
            .Replace($"port: {server.Port.ToString(CultureInfo.InvariantCulture)}", $"port: {closedPort}", StringComparison.Ordinal));
        var unreachable = await workspace.RunAsync(ct, "run-now", job);

        key.ExitCode.Should().Be(1, key.ToString());
        key.Output.Should().Contain("SFTP storage 'offsite'").And.Contain($"refused the login of user '{SftpServer.User}' with the private key in '{strangerKey}'")
            .And.Contain("authorized_keys");
        password.ExitCode.Should().Be(1, password.ToString());
        password.Output.Should().Contain($"refused the login of user '{SftpServer.User}' with the password from password_file").And.NotContain("not-the-password");
        missing.ExitCode.Should().Be(1, missing.ToString());
        missing.Output.Should().Contain("'/data/missing' does not exist on the server").And.Contain("mkdir -p /data/missing");
        readOnly.ExitCode.Should().Be(1, readOnly.ToString());
        readOnly.Output.Should().Contain("permission denied").And.Contain($"Give user '{SftpServer.User}' write access to '/data/readonly'");
        unreachable.ExitCode.Should().Be(1, unreachable.ToString());
        unreachable.Output.Should().Contain($"SFTP storage 'offsite' ({SftpServer.User}@127.0.0.1:{closedPort}").And.Contain("cannot reach the SSH server while connecting")
            .And.Contain("Check the host and port");
        server.StoredFiles().Should().BeEmpty();
    }

    [Fact]
    public async Task ServerKilledMidUpload_LeavesNoSet_AndAfterTheNextRunNoTemporaryFile()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var server = await SftpServer.StartAsync(_docker, _output, ct);
        await using var volumes = new TestVolumes(_docker, _output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);

        // Random data does not compress: the upload takes long enough to be cut in the middle.
        var source = await volumes.CreateAsync("sftp-cut", "head -c 400000000 /dev/urandom > /data/big.bin", ct);
        var job = workspace.Job("sftp-cut");
        workspace.WriteWholeConfig(SftpStorageTests.Config(workspace, server.StorageYaml("offsite"), job, source, "    retention: { keep_last: 1 }\n"));

        await using (var cut = await workspace.StartAsync(ct, "run-now", job))
        {
            var partial = await WaitForPartialAsync(server, job, minimumBytes: 20_000_000, ct);
            await server.KillAsync(ct);
            var outcome = await cut.WaitAsync(TimeSpan.FromMinutes(3), ct);
            _output.WriteLine($"cut run: {outcome}");
            outcome.ExitCode.Should().Be(1, outcome.ToString());
            outcome.Output.Should().Contain("SFTP storage 'offsite'").And.Contain("connection to the SSH server was lost");
            _output.WriteLine($"partial file seen: {partial}");
        }

        var failedSet = server.SetDirectories(job).Should().ContainSingle().Subject;
        File.Exists(Path.Combine(failedSet, "manifest.json")).Should().BeFalse("a cut-off upload never looks like a set");
        server.StoredFiles().Should().Contain(f => f.EndsWith(".partial", StringComparison.Ordinal), "the killed server kept the temporary file");
        await server.StartAgainAsync(ct);
        var listed = await workspace.RunAsync(ct, "list", job);
        listed.Stdout.Should().Contain("incomplete");

        var next = await workspace.RunAsync(ct, "run-now", job);

        next.ExitCode.Should().Be(0, next.ToString());
        server.StoredFiles().Should().NotContain(f => f.Contains(".partial", StringComparison.Ordinal), "the next run sweeps the temporary file");
        var sets = server.SetDirectories(job);
        sets.Should().ContainSingle("retention removed the incomplete set once a newer one succeeded").Which.Should().NotBe(failedSet);
        File.Exists(Path.Combine(sets[0], "manifest.json")).Should().BeTrue();
        var verify = await workspace.RunAsync(ct, "verify", "--latest", job);
        verify.ExitCode.Should().Be(0, verify.ToString());
    }

    private static async Task<string> WaitForPartialAsync(SftpServer server, string job, long minimumBytes, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            var jobPath = Path.Combine(server.StorePath, job);
            var partial = Directory.Exists(jobPath)
                ? Directory.EnumerateFiles(jobPath, "*.partial", SearchOption.AllDirectories).Select(f => new FileInfo(f)).FirstOrDefault(f => f.Length >= minimumBytes)
                : null;
            if (partial is not null)
            {
                return $"{partial.Name} ({partial.Length} bytes)";
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new InvalidOperationException($"No temporary file of {minimumBytes} bytes appeared under {server.StorePath}/{job}.");
    }

    /// <summary>sshd logs every accepted login; a refused host key means the agent never got that far.</summary>
    private static async Task AssertNoLoginAsync(SftpServer server, CancellationToken cancellationToken)
    {
        var logs = await server.LogsAsync(cancellationToken);
        logs.Should().NotContain("Accepted ", "the agent must not log in to a server it does not trust");
    }
}
