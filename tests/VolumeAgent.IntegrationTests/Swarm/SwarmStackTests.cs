using System.Diagnostics;
using System.Text.Json;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Swarm;

/// <summary>
/// Swarm mode end to end on a single-node swarm the test starts and leaves: compose/docker-stack.yml deployed with
/// `docker stack deploy` runs the agent as a global service; `docker exec &lt;agent task&gt; run-now` backs up the stack's
/// volume and its PostgreSQL service by service name into <c>&lt;job&gt;@&lt;node&gt;/</c>, pausing (not stopping) the app
/// task of <c>stop_containers</c> and skipping a service with no task on this node; `list` shows the node; restores put
/// the volume and the database back.
/// </summary>
[Collection(DockerTests.Alone)]
public sealed class SwarmStackTests
{
    private const string BackupYml = """
        helper_image: volume-agent-test/helper:busybox
        storage:
          local:
            type: local
            path: /backups
        jobs:
          nightly:
            storage: [local]
            compression: gzip
            stop_containers: [app]          # the stack's app service: its task here is paused while the volume is read
            sources:
              - volume: {stack}_data        # a stack volume, by its full name as compose project volumes
              - postgres: db                # the stack's service db ({stack}_db), resolved to its task on this node
                databases: [app]
              - postgres: {stack}_ghost     # a service with no task on this node: skipped here, not failed
        """;

    private const string Setup = """
        CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2));
        INSERT INTO items (name, price) SELECT 'item ' || g, g * 1.5 FROM generate_series(1, 2000) g;
        """;

    private const string TreeScript =
        "cd /data && find . -printf '%p\\t%y\\t%m\\t%U:%G\\t%l\\t%s\\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum";

    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(120);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public SwarmStackTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task GlobalAgentService_RunNowInItsTask_BacksUpTheStackVolumeAndPostgresByServiceName_AndRestoresThem()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await _docker.RequireImageAsync(TestImages.Postgres, ct);
        await _docker.RequireImageAsync(TestImages.Helper, ct);
        await _docker.RequireImageAsync(TestImages.Tools, ct);
        await AgentImage.EnsureBuiltAsync(ct);
        var clock = Stopwatch.StartNew();
        await using var swarm = await SingleNodeSwarm.StartAsync(_docker, _output, ct);
        await using var stack = await SwarmStack.DeployAsync(_docker, BackupYml, _output, ct);
        var agent = await stack.TaskAsync("agent", ct);
        var db = await stack.TaskAsync("db", ct);
        var app = await stack.TaskAsync("app", ct);
        // Over TCP: the image's first start runs a server for its init scripts on the unix socket only, then stops it
        // ("the database system is shutting down"); only the real server listens on TCP.
        await DaemonWait.UntilAsync("PostgreSQL in the db task to accept connections", ReadyLimit, async () => Done(await CommandLine.DockerAsync(ct, "exec", db, "pg_isready", "-h", "127.0.0.1", "-U", "postgres", "-d", "app")), ct);
        await DaemonWait.UntilAsync("the app task to fill its volume", ReadyLimit, async () => Done(await CommandLine.DockerAsync(ct, "exec", app, "test", "-f", "/data/ready")), ct);
        await DaemonWait.UntilAsync(
            "the agent's daemon to answer",
            ReadyLimit,
            async () =>
            {
                var status = await CommandLine.DockerAsync(ct, "exec", agent, "status");
                return (status.ExitCode == 0 && status.Stdout.StartsWith("daemon: running", StringComparison.Ordinal), status.Output);
            },
            ct);
        await Psql(db, Setup, ct);
        var dumpBefore = await PgDump(db, ct);
        var treeBefore = await Tree($"{stack.Name}_data", ct);

        var runNow = await CommandLine.DockerAsync(ct, "exec", agent, "run-now");
        _output.WriteLine($"run-now: {runNow}");

        runNow.ExitCode.Should().Be(0, runNow.ToString());
        var lines = CommandLine.Lines(runNow.Stdout);
        lines.Should().Contain(l => l.StartsWith($"ok    nightly/volume-{stack.Name}_data.tar.gz", StringComparison.Ordinal));
        lines.Should().Contain(l => l.StartsWith("ok    nightly/postgres-db-app.dump.gz", StringComparison.Ordinal));
        lines.Should().NotContain(l => l.Contains("ghost", StringComparison.Ordinal) && !l.Contains("skipped", StringComparison.Ordinal), "a service with no task here is skipped, not failed");
        var set = lines.Should().ContainSingle(l => l.StartsWith("job nightly: succeeded, set ", StringComparison.Ordinal)).Subject["job nightly: succeeded, set ".Length..];
        var logs = await CommandLine.DockerAsync(ct, "logs", agent);
        (logs.Output + runNow.Output).Should().Contain($"Running as a Swarm task on node {swarm.NodeName}")
            .And.Contain($"postgres {stack.Name}_ghost skipped on this node")
            .And.Contain($"a task of Swarm service {stack.Name}_app");

        // The app task was paused, not stopped: Swarm kept the same container, and it runs again.
        (await stack.TaskAsync("app", ct)).Should().Be(app, "a paused task is not replaced by Swarm");
        (await CommandLine.DockerOkAsync(ct, "inspect", "--format", "{{.State.Status}}", app)).Should().Be("running");

        // This node's sets are under <job>@<node>, with the node in the manifest; `list` shows the node.
        var nodeDirectory = Path.Combine(stack.BackupDirectory, $"nightly@{swarm.NodeName}");
        Directory.Exists(Path.Combine(stack.BackupDirectory, "nightly")).Should().BeFalse("a Swarm node's sets go under nightly@<node>");
        new FileInfo(Path.Combine(nodeDirectory, "latest")).LinkTarget.Should().Be(set);
        using (var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(nodeDirectory, set, "manifest.json"), ct)))
        {
            manifest.RootElement.GetProperty("node").GetString().Should().Be(swarm.NodeName);
            manifest.RootElement.GetProperty("job").GetString().Should().Be("nightly");
        }

        var list = await CommandLine.DockerAsync(ct, "exec", agent, "list");
        list.ExitCode.Should().Be(0, list.ToString());
        CommandLine.Lines(list.Stdout)[0].Should().Contain("NODE");
        CommandLine.Lines(list.Stdout).Should().Contain(l => l.Contains(swarm.NodeName, StringComparison.Ordinal) && l.Contains(set, StringComparison.Ordinal));

        // The volume comes back entry by entry into a new volume.
        var restored = $"{stack.Name}_restored";
        stack.Track(restored);
        var restoreVolume = await CommandLine.DockerAsync(ct, "exec", agent, "restore", $"nightly@{swarm.NodeName}/latest", "--artifact", $"volume-{stack.Name}_data", "--to-volume", restored, "--yes");
        _output.WriteLine($"restore volume: {restoreVolume}");
        restoreVolume.ExitCode.Should().Be(0, restoreVolume.ToString());
        (await Tree(restored, ct)).Should().Be(treeBefore);

        // The database, changed after the backup, is put back in the service's task by its service name.
        await Psql(db, "DELETE FROM items WHERE id > 10; INSERT INTO items (name) VALUES ('after the backup');", ct);
        var restoreDb = await CommandLine.DockerAsync(ct, "exec", agent, "restore", $"nightly/{set}", "--artifact", "postgres-db-app", "--force", "--yes");
        _output.WriteLine($"restore database: {restoreDb}");
        restoreDb.ExitCode.Should().Be(0, restoreDb.ToString());
        (await PgDump(db, ct)).Should().Be(dumpBefore, "the database is as it was backed up");
        _output.WriteLine($"swarm test (swarm init to restores, without the image build): {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static (bool Done, string Last) Done(Daemon.ProcessResult result) => (result.ExitCode == 0, result.Output);

    private static Task<string> Psql(string container, string sql, CancellationToken cancellationToken) =>
        CommandLine.DockerOkAsync(cancellationToken, "exec", "-e", $"PGPASSWORD={SwarmStack.PostgresPassword}", container, "psql", "-U", "postgres", "-d", "app", "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql);

    /// <summary>A plain dump of the app database, without pg_dump's per-run \restrict keys.</summary>
    private static async Task<string> PgDump(string container, CancellationToken cancellationToken)
    {
        var dump = await CommandLine.DockerOkAsync(cancellationToken, "exec", "-e", $"PGPASSWORD={SwarmStack.PostgresPassword}", container, "pg_dump", "-U", "postgres", "app");
        return string.Join('\n', dump.Split('\n').Where(l => !l.StartsWith("\\restrict ", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict ", StringComparison.Ordinal)));
    }

    private async Task<string> Tree(string volume, CancellationToken cancellationToken) =>
        await CommandLine.DockerOkAsync(
            cancellationToken,
            ["run", "--rm", .. _docker.Labels.SelectMany(l => new[] { "--label", $"{l.Key}={l.Value}" }), "-v", $"{volume}:/data:ro", TestImages.Tools, "sh", "-c", TreeScript]);
}
