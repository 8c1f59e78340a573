using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// `volume-agent run-now` on a real MariaDB container; each dump is loaded into a fresh server with the mariadb
/// client, as a person restores (`gunzip -c | mariadb DB` after CREATE DATABASE).
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class MariaDbBackupTests : IClassFixture<MariaDbServersFixture>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);

    private const string TablesQuery = """
        SELECT CONCAT(table_schema, '.', table_name) FROM information_schema.tables
        WHERE table_schema IN ('shop', 'blog') AND table_type = 'BASE TABLE' ORDER BY 1;
        """;

    private const string RoutinesQuery = """
        SELECT routine_schema, routine_type, routine_name, data_type, REPLACE(routine_definition, '\n', ' ') FROM information_schema.routines
        WHERE routine_schema IN ('shop', 'blog') ORDER BY 1, 2, 3;
        SELECT trigger_schema, trigger_name, action_timing, event_manipulation, event_object_table, REPLACE(action_statement, '\n', ' ')
        FROM information_schema.triggers WHERE trigger_schema IN ('shop', 'blog') ORDER BY 1, 2;
        """;

    private readonly DockerFixture _docker;
    private readonly MariaDbServersFixture _servers;
    private readonly ITestOutputHelper _output;

    public MariaDbBackupTests(DockerFixture docker, MariaDbServersFixture servers, ITestOutputHelper output)
    {
        _docker = docker;
        _servers = servers;
        _output = output;
    }

    [Fact]
    public async Task RunNow_AllDatabases_LoadedIntoFreshServerTablesChecksumEqualAndRoutinesExist()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = _servers.Source;
        var fresh = _servers.Fresh;
        var job = workspace.Job("maria");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - mysql: {source.Name}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(0, result.ToString());
        var sets = workspace.SetDirectories(job);
        sets.Should().ContainSingle();
        var set = await BackupSet.ReadAsync(sets[0], cts.Token);
        await set.VerifyAsync(job, "succeeded", cts.Token);
        set.Artifacts.Select(a => a.File).Should().BeEquivalentTo(
            MariaDbServersFixture.Databases.Select(db => $"mysql-{source.Name}-{db}.sql.gz"),
            "without `databases`, every database but the system schemas is dumped, one file each");
        foreach (var db in MariaDbServersFixture.Databases)
        {
            set.Artifact($"mysql-{source.Name}-{db}.sql.gz").Should().Match<SetArtifact>(
                a => a.SourceKind == "mysql" && a.Format == "sql" && a.Compression == "gzip" && a.Database == db && a.Container == source.Name);
            await fresh.MariaDbAsync(MariaDbServersFixture.FreshRootPassword, null, $"CREATE DATABASE `{db}`;", cts.Token);
            var load = await fresh.PipeGunzippedAsync(
                set.FilePath($"mysql-{source.Name}-{db}.sql.gz"), ["mariadb", "-uroot", db], cts.Token, $"MYSQL_PWD={MariaDbServersFixture.FreshRootPassword}");
            load.ExitCode.Should().Be(0, $"loading {db}: {load.Output}");
        }

        var tables = await QueryAsync(source, MariaDbServersFixture.SourceRootPassword, TablesQuery, cts.Token);
        tables.Should().BeEquivalentTo(["blog.legacy", "blog.posts", "blog.tags", "shop.audit", "shop.products"]);
        (await QueryAsync(fresh, MariaDbServersFixture.FreshRootPassword, TablesQuery, cts.Token)).Should().Equal(tables);
        var checksum = $"CHECKSUM TABLE {string.Join(", ", tables)};";
        var original = await QueryAsync(source, MariaDbServersFixture.SourceRootPassword, checksum, cts.Token);
        original.Should().HaveCount(tables.Count).And.OnlyContain(l => !l.EndsWith("\tNULL", StringComparison.Ordinal) && !l.EndsWith("\t0", StringComparison.Ordinal));
        (await QueryAsync(fresh, MariaDbServersFixture.FreshRootPassword, checksum, cts.Token)).Should().Equal(original, "every table's rows are restored exactly");
        var routines = await QueryAsync(source, MariaDbServersFixture.SourceRootPassword, RoutinesQuery, cts.Token);
        routines.Should().HaveCount(3).And.Contain(l => l.StartsWith("shop\tFUNCTION\tprice_with_tax\t", StringComparison.Ordinal))
            .And.Contain(l => l.StartsWith("shop\tPROCEDURE\trestock\t", StringComparison.Ordinal))
            .And.Contain(l => l.StartsWith("shop\tproducts_audit\tAFTER\tINSERT\tproducts\t", StringComparison.Ordinal));
        (await QueryAsync(fresh, MariaDbServersFixture.FreshRootPassword, RoutinesQuery, cts.Token)).Should().Equal(routines, "routines and triggers are restored");

        // They also work: the function computes, the trigger fires on a new row.
        var works = await QueryAsync(
            fresh,
            MariaDbServersFixture.FreshRootPassword,
            "SELECT shop.price_with_tax(100); INSERT INTO shop.products (name, price, created) VALUES ('new', 1, NOW()); SELECT COUNT(*) FROM shop.audit WHERE note = 'new new';",
            cts.Token);
        works.Should().Equal("119.00", "1");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_WrongRootPassword_FailsWithAccessDeniedAndKeepsEarlierSet()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = _servers.Source;
        var job = workspace.Job("mariapw");
        string Config(string extra) => $"""
            jobs:
              {job}:
                sources:
                  - mysql: {source.Name}
                    databases: [blog]{extra}
            """;
        var earlier = await FailureChecks.MakeEarlierSetAsync(workspace, job, Config(string.Empty), cts.Token);
        workspace.WriteConfig(Config($"{Environment.NewLine}        password: wrong"));

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain("Access denied").And.Contain(source.Name);
        result.Output.Should().NotContain(MariaDbServersFixture.SourceRootPassword, "secrets never reach the output");
        var failed = await FailureChecks.FailedSetAsync(workspace, job, earlier, cts.Token);
        failed.Artifacts.Should().ContainSingle().Which.Should().Match<SetArtifact>(
            a => a.Status == "failed" && a.File == null && a.Container == source.Name && a.Error!.Contains("Access denied", StringComparison.Ordinal));
        FailureChecks.ExpectNoFile(failed, $"mysql-{source.Name}-blog.sql.gz");
        await earlier.ExpectUntouchedAsync(cts.Token);
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    private static async Task<IReadOnlyList<string>> QueryAsync(DatabaseContainer container, string rootPassword, string sql, CancellationToken cancellationToken) =>
        (await container.MariaDbAsync(rootPassword, null, sql, cancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
