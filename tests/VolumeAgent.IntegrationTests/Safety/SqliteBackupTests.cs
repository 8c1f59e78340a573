using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Safety;

/// <summary>An SQLite database written to without pause is copied consistently, never as raw bytes of a live file.</summary>
[Collection(DockerTests.Faults)]
public sealed class SqliteBackupTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);

    // Every transaction inserts ten rows: a consistent copy holds a multiple of ten. WAL mode, as applications use.
    private const string WriterScript = """
        set -e
        sqlite3 /data/db/app.sqlite "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, batch INTEGER, payload TEXT);" > /dev/null
        b=0
        while true; do
          b=$((b + 1))
          sqlite3 /data/db/app.sqlite ".timeout 5000" "BEGIN; INSERT INTO events(batch, payload) SELECT $b, hex(randomblob(200)) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) SELECT x FROM c); COMMIT;"
        done
        """;

    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public SqliteBackupTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_DatabaseWrittenContinuously_CopyOpensPassesIntegrityCheckAndHoldsWholeTransactions()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("sqlite", cts.Token);
        var mounts = new[] { new Mount { Type = "volume", Source = volume, Target = "/data" } };
        await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Tools,
                Cmd = ["mkdir", "-p", "/data/db"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", Mounts = mounts },
            },
            cts.Token);
        var writer = await scope.RunContainerAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Tools,
                Cmd = ["sh", "-c", WriterScript],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", LogConfig = new LogConfig { Type = "none" }, Mounts = mounts },
            },
            cts.Token);
        await Task.Delay(TimeSpan.FromSeconds(2), cts.Token);
        var job = workspace.Job("sqlite");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                compression: gzip
                sources:
                  - sqlite: {volume}
                    file: db/app.sqlite
                    image: {TestImages.Tools}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(0, result.ToString());
        (await _docker.Client.Containers.InspectContainerAsync(writer, cts.Token)).State!.Running.Should().BeTrue("the writer kept writing during the backup");
        var set = workspace.SetDirectories(job).Should().ContainSingle().Subject;
        var copy = Path.Combine(workspace.Root, "copy.sqlite");
        var gunzip = await HostProcess.RunAsync("sh", ["-c", $"gunzip -c '{Path.Combine(set, $"sqlite-{volume}-app.sqlite.gz")}' > '{copy}'"], cts.Token);
        gunzip.ExitCode.Should().Be(0, gunzip.Stderr);
        var check = await HostProcess.RunAsync("sqlite3", [copy, "PRAGMA integrity_check; SELECT count(*) FROM events; SELECT count(*) FROM (SELECT batch FROM events GROUP BY batch HAVING count(*) <> 10);"], cts.Token);
        check.ExitCode.Should().Be(0, check.Stderr);
        var lines = check.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        _output.WriteLine($"copy: {string.Join(" | ", lines)}");
        lines[0].Should().Be("ok");
        var rows = long.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture);
        rows.Should().BePositive().And.Match(n => n % 10 == 0, "only whole transactions of ten rows are in a consistent copy");
        lines[2].Should().Be("0", "no batch is partly in the copy");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }
}
