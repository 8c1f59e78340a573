using System.Text.Json;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.S3;
using VolumeAgent.IntegrationTests.Sftp;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.SeveralStorages;

/// <summary>
/// One job, a volume and a PostgreSQL database, three storages on real servers: a local directory, an S3 bucket
/// (s3rver) and an SFTP directory (OpenSSH in a container). The S3 server dies mid-upload: the run exits 1 naming the
/// S3 storage, the local and SFTP storages hold complete sets (their manifests say which storages hold the set), and
/// once the server is back, <c>sync</c> copies the set to S3, the upload the dead server kept is aborted, and
/// <c>verify</c> passes in each of the three storages, which hold the same files and point <c>latest</c> at the set.
/// </summary>
[Collection(DockerTests.Storages)]
public sealed class ThreeStoragesTests : IClassFixture<S3ServerFixture>
{
    private const string PostgresPassword = "pg-three-secret";
    private const int VolumeMebibytes = 32;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(10);
    private readonly DockerFixture _docker;
    private readonly S3ServerFixture _s3;
    private readonly ITestOutputHelper _output;

    public ThreeStoragesTests(DockerFixture docker, S3ServerFixture s3, ITestOutputHelper output)
    {
        _docker = docker;
        _s3 = s3;
        _output = output;
        _s3.Proxy.Rule = _ => Fault.None;
    }

    [Fact]
    public async Task RunNow_S3DiesMidUpload_LocalAndSftpGetCompleteSets_SyncCompletesS3_AndAllThreeVerify()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var server = await SftpServer.StartAsync(_docker, _output, ct);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await docker.CreateVolumeAsync("three-src", ct);
        await docker.ShellAsync(volume, $"head -c {VolumeMebibytes}M /dev/urandom > /data/big.bin; mkdir /data/dir; echo small > /data/dir/small.txt", ct);
        var database = await docker.StartPostgresAsync("three-pg", PostgresPassword, ct);
        await CliDocker.ExecAsync(database, ct, "psql", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-c",
            "CREATE TABLE items (id serial PRIMARY KEY, name text); INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 5000) g;");
        var job = workspace.Job("three");
        var (s3Entry, prefix) = S3Workspace.Storage(workspace, _s3, "s3");
        var jobPrefix = prefix + job + "/";
        workspace.WriteConfig(s3Entry + "\n" + server.StorageYaml("sftp") + $"""
            jobs:
              {job}:
                storage: [{AgentWorkspace.StorageName}, s3, sftp]
                compression: none
                sources:
                  - volume: {volume}
                  - postgres: {database}
            """);

        // The S3 server dies as the second part of the volume's archive reaches it (8 MiB parts), as in an outage.
        var parts = 0;
        _s3.Proxy.Requests.Clear();
        _s3.Proxy.Rule = r =>
        {
            if (r.IsPartUpload && Interlocked.Increment(ref parts) == 2)
            {
                _s3.StopServer();
            }

            return Fault.None;
        };
        AgentResult run;
        try
        {
            run = await workspace.RunAsync(ct, "run-now", job);
        }
        finally
        {
            _s3.Proxy.Rule = _ => Fault.None;
            await _s3.StartServerAsync();
        }

        run.ExitCode.Should().Be(1, run.ToString());
        run.Stdout.Split('\n').Should().ContainSingle(l => l.StartsWith($"job {job}: FAILED", StringComparison.Ordinal)).Which
            .Should().Contain($"S3 storage 's3' (bucket '{S3ServerFixture.Bucket}'").And.Contain("The set is on local, sftp")
            .And.Contain($"volume-agent sync {job} --to s3").And.NotContain("storage 'sftp' (").And.NotContain("storage 'local' (");
        var localSet = await BackupSet.ReadAsync(workspace.SetDirectories(job).Should().ContainSingle().Subject, ct);
        var set = localSet.Name;
        var sftpSet = await BackupSet.ReadAsync(server.SetDirectories(job).Should().ContainSingle().Subject, ct);
        sftpSet.Name.Should().Be(set, "every storage gets the set under the same name");
        foreach (var copy in new[] { localSet, sftpSet })
        {
            await copy.VerifyAsync(job, "succeeded", ct);
            copy.Artifacts.Select(a => a.SourceKind).Should().Contain("volume").And.Contain("postgres");
            Storages(copy.Manifest).Should().Equal(("local", "succeeded"), ("s3", "failed"), ("sftp", "succeeded"));
        }

        localSet.Artifacts.Should().BeEquivalentTo(sftpSet.Artifacts, "each source was read once and written to both");
        (await _s3.ListSetObjectsAsync(jobPrefix, ct)).Select(o => o.Key).Should().NotContain(k => k.EndsWith("/manifest.json", StringComparison.Ordinal), "the set in S3 is incomplete");
        (await _s3.ListAsync(jobPrefix + "latest", ct)).Should().BeEmpty("no set of the job is complete in S3");
        foreach (var storage in new[] { "local", "sftp" })
        {
            var verify = await workspace.RunAsync(ct, "verify", "--latest", job, "--storage", storage);
            verify.ExitCode.Should().Be(0, verify.ToString());
        }

        var list = await workspace.RunAsync(ct, "list", job);
        list.ExitCode.Should().Be(0, list.ToString());
        list.Stdout.Should().Contain($"{job}/{set} is not complete in storage s3 (it is in local, sftp): `volume-agent sync {job} --to s3` copies it.");

        var sync = await workspace.RunAsync(ct, "sync", job);

        sync.ExitCode.Should().Be(0, sync.ToString());
        sync.Stdout.Should().Contain($"copied {job}/{set} from local to s3").And.Contain("1 set(s) copied, 0 failed.");
        _s3.Proxy.UploadsNotEnded().Should().BeEmpty("sync replaces the incomplete set in S3 and aborts the upload the dead server kept");
        foreach (var storage in new[] { "local", "s3", "sftp" })
        {
            var verify = await workspace.RunAsync(ct, "verify", "--latest", job, "--storage", storage);
            verify.ExitCode.Should().Be(0, verify.ToString());
            verify.Stdout.Should().Contain($"verify {job}/{set} in storage {storage}:");
        }

        var s3Sums = await _s3.GetTextAsync(jobPrefix + set + "/SHA256SUMS", ct);
        s3Sums.Should().Be(await File.ReadAllTextAsync(localSet.FilePath(BackupSet.ChecksumsFile), ct), "S3 now holds the same files")
            .And.Be(await File.ReadAllTextAsync(sftpSet.FilePath(BackupSet.ChecksumsFile), ct));
        (await _s3.ListSetObjectsAsync(jobPrefix, ct)).Select(o => o.Key[(o.Key.LastIndexOf('/') + 1)..]).Should().BeEquivalentTo(
            [BackupSet.ManifestFile, BackupSet.ChecksumsFile, .. localSet.Artifacts.Select(a => a.File!)], "a complete set and no upload marker");
        using (var s3Manifest = JsonDocument.Parse(await _s3.GetTextAsync(jobPrefix + set + "/manifest.json", ct)))
        {
            Storages(s3Manifest.RootElement).Should().Equal(("local", "succeeded"), ("sftp", "succeeded"), ("s3", "succeeded"));
            s3Manifest.RootElement.GetProperty("storages")[2].TryGetProperty("synced_at", out _).Should().BeTrue("the copy says when sync made it");
            s3Manifest.RootElement.GetProperty("artifacts").EnumerateArray().Select(SetArtifact.Read).Should().BeEquivalentTo(localSet.Artifacts);
        }

        (await _s3.GetTextAsync(jobPrefix + "latest", ct)).Should().Be(set + "\n", "sync points the S3 storage's latest at the set");
        (await File.ReadAllTextAsync(Path.Combine(server.StorePath, job, "latest"), ct)).Should().Be(set + "\n");
        new FileInfo(Path.Combine(workspace.StorePath, job, "latest")).LinkTarget.Should().Be(set);
        var again = await workspace.RunAsync(ct, "sync", job);
        again.ExitCode.Should().Be(0, again.ToString());
        again.Stdout.Should().Contain("Every storage holds every complete set of its jobs.");
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    /// <summary>The manifest's <c>storages</c>: each storage's name and status, in the manifest's order.</summary>
    private static List<(string?, string?)> Storages(JsonElement manifest) =>
        [.. manifest.GetProperty("storages").EnumerateArray().Select(s => (s.GetProperty("name").GetString(), s.GetProperty("status").GetString()))];
}
