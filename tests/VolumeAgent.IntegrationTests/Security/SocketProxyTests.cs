using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.IntegrationTests.Restore;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Security;

/// <summary>
/// The agent through a socket proxy (haproxy with tecnativa/docker-socket-proxy's rules, <see cref="SocketProxy"/>):
/// backups need CONTAINERS, EXEC and POST only, restores add VOLUMES, drills VOLUMES and IMAGES; every request is one
/// docs/security.md lists for what ran; a refused request fails the run naming it and the category to allow.
/// </summary>
[Collection(DockerTests.Faults)]
public sealed class SocketProxyTests
{
    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public SocketProxyTests(DockerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task VolumeBackup_ThroughTheProxy_NeedsOnlyContainersAndPost_RestoreIsRefusedNamingVolumes()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        var documented = DocumentedEndpoints.Load();
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "proxy");
        var volume = await workspace.CreateVolumeAsync("proxy-files", ct);
        await workspace.ShellAsync(volume, "mkdir /data/d && echo one > /data/d/one.txt && head -c 100000 /dev/urandom > /data/blob", ct);
        var app = await scope.StartSleeperAsync(ct, [new Mount { Type = "volume", Source = volume, Target = "/data" }]);
        workspace.Configure($"      - volume: {volume}\n", jobKeys: $"stop_containers: [{app}]");

        await using (var proxy = await SocketProxy.StartAsync(["CONTAINERS", "POST"], _output, ct))
        {
            workspace.AgentEnvironment = proxy.AgentEnvironment;
            var backup = await workspace.RunAsync(ct, "run-now", workspace.Job);

            backup.ExitCode.Should().Be(0, backup.ToString());
            var requests = await proxy.RequestsAfterAsync(10, ct);
            Report("run-now (a volume, stop_containers)", requests);
            requests.Should().NotContain(r => r.Status == 403, proxy.Log);
            documented.Undocumented(requests, "start-up", "volume", "stop_containers").Should().BeEmpty("docs/security.md lists every request of a backup");
            requests.Select(r => r.Template).Should().NotContain(t => t.StartsWith("/volumes", StringComparison.Ordinal) || t.StartsWith("/images", StringComparison.Ordinal));

            var target = workspace.TargetVolume("proxy-target");
            var refused = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", target, "--yes");

            refused.ExitCode.Should().Be(1);
            refused.Output.Should().MatchRegex("refused GET /volumes/[^ ]+ .*allow VOLUMES");
            (await workspace.Client.TryInspectVolumeAsync(target, ct)).Should().BeNull();
        }

        var set = workspace.SetDirectories().Should().ContainSingle().Subject;
        ModesOf(set).Where(m => m.Mode != (m.IsFile ? "600" : "700")).Should().BeEmpty("set files are 0600 and directories 0700");
        ModeOf(Path.GetDirectoryName(set)!).Should().Be("700", "the job's directory is private too");
        (await workspace.Client.Containers.InspectContainerAsync(app, ct)).State!.Running.Should().BeTrue("the stopped app was started again");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task DatabaseBackup_NoSecretInAnyCommandLineLabelLogOrSetFile()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "secrets");
        var secret = $"pw-{_fixture.TestRunId}-not-for-eyes";
        var source = await workspace.StartDatabaseAsync(TestImages.Postgres, "secrets-pg", [$"POSTGRES_PASSWORD={secret}"], ct);
        // Big enough that pg_dump runs for a while, so the process watch sees its command line.
        await DatabaseRestoreTests.Psql(workspace, source, "postgres", "CREATE DATABASE shop; \\c shop\nCREATE TABLE t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 300000) g;", ct);
        workspace.Configure($"      - postgres: {source}\n        databases: [shop]\n");

        AgentResult backup;
        await using (var watch = new ProcessWatch(workspace.Client, workspace.Job))
        {
            backup = await workspace.RunAsync(ct, "run-now", "-v", workspace.Job);
            await watch.StopAsync();
            backup.ExitCode.Should().Be(0, backup.ToString());
            watch.CommandLines.Should().Contain(c => c.Contains("pg_dump", StringComparison.Ordinal), "the watch saw the agent's dump running");
            watch.CommandLines.Should().NotContain(c => c.Contains(secret, StringComparison.Ordinal), "no process's command line carries the password");
            watch.Labels.Should().NotContain(l => l.Contains(secret, StringComparison.Ordinal));
        }

        backup.Output.Should().NotContain(secret, "no log line carries it");
        var set = workspace.SetDirectories().Should().ContainSingle().Subject;
        foreach (var file in Directory.GetFiles(set).Where(f => !f.EndsWith(".gz", StringComparison.Ordinal)))
        {
            (await File.ReadAllTextAsync(file, ct)).Should().NotContain(secret, $"{Path.GetFileName(file)} holds no password");
        }
    }

    [Fact]
    public async Task Backup_WithExecRefused_FailsNamingTheRequestAndTheCategory_AndAMissingVolumeIsNeverCreated()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "proxy-refused");
        var volume = await workspace.CreateVolumeAsync("proxy-refused-files", ct);
        await workspace.ShellAsync(volume, "echo kept > /data/kept.txt", ct);
        var app = await scope.StartSleeperAsync(ct, [new Mount { Type = "volume", Source = volume, Target = "/data" }]);
        var source = await workspace.StartDatabaseAsync(TestImages.Postgres, "proxy-refused-pg", ["POSTGRES_PASSWORD=refused-secret"], ct);
        var typo = workspace.TargetVolume("proxy-typo");
        workspace.Configure(
            $"      - volume: {volume}\n      - volume: {typo}\n      - postgres: {source}\n        databases: [postgres]\n",
            jobKeys: $"stop_containers: [{app}]");
        await using var proxy = await SocketProxy.StartAsync(["CONTAINERS", "POST"], _output, ct);
        workspace.AgentEnvironment = proxy.AgentEnvironment;

        var run = await workspace.RunAsync(ct, "run-now", workspace.Job);

        run.ExitCode.Should().Be(1);
        run.Output.Should().MatchRegex(@"refused POST /exec/[0-9a-f]+/start \(HTTP 403, not the engine's answer\): allow EXEC and POST");
        run.Output.Should().Contain($"Volume '{typo}' does not exist on this engine");
        (await workspace.Client.TryInspectVolumeAsync(typo, ct)).Should().BeNull("a volume the job names but the engine lacks is never created");
        var requests = await proxy.RequestsAfterAsync(5, ct);
        requests.Where(r => r.Status == 403).Select(r => $"{r.Method} {r.Template}").Distinct().Should().Equal("POST /exec/{id}/start");
        var set = workspace.SetDirectories().Should().ContainSingle().Subject;
        Directory.GetFiles(set).Select(Path.GetFileName).Should().Contain($"volume-{volume}.tar.gz", "the volume before the refusal was backed up");
        (await workspace.Client.Containers.InspectContainerAsync(app, ct)).State!.Running.Should().BeTrue("no container is left stopped");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task DatabaseBackups_ThroughHaproxy26_NeedOnlyContainersExecPost_RestoreDirectlyEqual_RestoreThroughItFailsNamingTheFix()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var ct = timeout.Token;
        var documented = DocumentedEndpoints.Load();
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "proxy-db");
        var pg = await workspace.StartDatabaseAsync(TestImages.Postgres, "proxy-db-pg", [$"POSTGRES_PASSWORD={DatabaseRestoreTests.PostgresPassword}"], ct);
        await DatabaseRestoreTests.Psql(workspace, pg, "postgres", DatabaseRestoreTests.PostgresSetup, ct);
        var maria = await workspace.StartDatabaseAsync(
            TestImages.MariaDb, "proxy-db-maria", [$"MARIADB_ROOT_PASSWORD={DatabaseRestoreTests.MariaDbPassword}", "MARIADB_INITDB_SKIP_TZINFO=1"], ct);
        await DatabaseRestoreTests.Maria(workspace, maria, DatabaseRestoreTests.MariaDbPassword, DatabaseRestoreTests.MariaDbSetup, ct);

        // Debian 12's haproxy 2.6 passes each exec start without its Upgrade header: the engine answers 200 with the output.
        string pgSet;
        await using (var proxy = await SocketProxy.StartAsync(["CONTAINERS", "EXEC", "POST"], _output, ct))
        {
            workspace.AgentEnvironment = proxy.AgentEnvironment;
            workspace.Configure($"      - postgres: {pg}\n");
            var pgBackup = await workspace.RunAsync(ct, "run-now", workspace.Job);
            pgBackup.ExitCode.Should().Be(0, pgBackup.ToString());
            pgBackup.Output.Should().Contain("checked by its header only, pg_restore --list cannot be fed").And.Contain("haproxy 3.1 or later");
            pgSet = $"{workspace.Job}/{Path.GetFileName(workspace.SetDirectories().Should().ContainSingle().Subject)}";

            workspace.Configure($"      - mysql: {maria}\n");
            var mariaBackup = await workspace.RunAsync(ct, "run-now", workspace.Job);
            mariaBackup.ExitCode.Should().Be(0, mariaBackup.ToString());

            var requests = await proxy.RequestsAfterAsync(20, ct);
            Report("run-now (postgres), run-now (mysql)", requests);
            requests.Should().NotContain(r => r.Status == 403, proxy.Log);
            requests.Should().Contain(r => r.Method == "POST" && r.Template == "/exec/{id}/start" && r.Status == 200, "the proxy passed the exec starts without their upgrade");
            requests.Should().NotContain(r => r.Status == 101, "haproxy 2.6 upgrades no exec start that carries a body");
            documented.Undocumented(requests, "start-up", "postgres", "mysql").Should().BeEmpty("docs/security.md lists every request of a database backup");
        }

        var freshPg = await workspace.StartDatabaseAsync(TestImages.Postgres, "proxy-db-pg-new", ["POSTGRES_PASSWORD=another-secret"], ct);
        await using (var proxy = await SocketProxy.StartAsync(["CONTAINERS", "EXEC", "POST", "VOLUMES"], _output, ct))
        {
            workspace.AgentEnvironment = proxy.AgentEnvironment;
            var refused = await workspace.RunAsync(ct, "restore", pgSet, "--to-container", freshPg, "--yes");

            refused.ExitCode.Should().Be(1, refused.ToString());
            refused.Output.Should().MatchRegex(@"POST /exec/[0-9a-f]+/start was answered 200 instead of 101")
                .And.Contain("haproxy 3.1 or later, or a release with the haproxy#2684 fix");
            (await DatabaseRestoreTests.Psql(workspace, freshPg, "postgres", "SELECT count(*) FROM pg_database WHERE datname IN ('shop', 'crm');", ct))
                .Trim().Should().Be("0", "nothing was restored through the proxy");
        }

        // The same sets restored directly: the data is the data that was dumped through the proxy.
        workspace.AgentEnvironment = null;
        var pgRestore = await workspace.RunAsync(ct, "restore", pgSet, "--to-container", freshPg, "--yes");
        pgRestore.ExitCode.Should().Be(0, pgRestore.ToString());
        foreach (var database in new[] { "shop", "crm" })
        {
            var original = await DatabaseRestoreTests.PgDumpAsync(workspace, pg, database, ct);
            (await DatabaseRestoreTests.PgDumpAsync(workspace, freshPg, database, ct)).Should().Be(original, $"database {database} restores exactly");
            original.Should().Contain("COPY public.");
        }

        var freshMaria = await workspace.StartDatabaseAsync(TestImages.MariaDb, "proxy-db-maria-new", ["MARIADB_ROOT_PASSWORD=another-root", "MARIADB_INITDB_SKIP_TZINFO=1"], ct);
        var mariaRestore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", freshMaria, "--yes");
        mariaRestore.ExitCode.Should().Be(0, mariaRestore.ToString());
        const string checksums = "CHECKSUM TABLE app.orders, app.audit, other.t EXTENDED;";
        var before = await DatabaseRestoreTests.Maria(workspace, maria, DatabaseRestoreTests.MariaDbPassword, checksums, ct);
        (await DatabaseRestoreTests.Maria(workspace, freshMaria, "another-root", checksums, ct)).Should().Be(before);
        before.Should().Contain("app.orders");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    private void Report(string what, IReadOnlyList<ProxyRequest> requests)
    {
        _output.WriteLine($"--- {what}: {requests.Count} requests through the proxy");
        foreach (var group in requests.GroupBy(r => $"{r.Status} {r.Method} {r.Template}").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            _output.WriteLine($"{group.Count(),5}  {group.Key}");
        }
    }

    private static List<(string Path, bool IsFile, string Mode)> ModesOf(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories).Append(directory).Select(p => (p, File.Exists(p), ModeOf(p)))];

    private static string ModeOf(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);
}
