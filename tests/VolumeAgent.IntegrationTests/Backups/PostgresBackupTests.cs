using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// `volume-agent run-now` on a real PostgreSQL container, restored as the docs tell a person to: globals with
/// psql, each database with createdb and pg_restore reading the gunzipped dump on its standard input.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class PostgresBackupTests : IClassFixture<PostgresServersFixture>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly PostgresServersFixture _servers;
    private readonly ITestOutputHelper _output;

    public PostgresBackupTests(DockerFixture docker, PostgresServersFixture servers, ITestOutputHelper output)
    {
        _docker = docker;
        _servers = servers;
        _output = output;
    }

    [Fact]
    public async Task RunNow_AllDatabasesAndRoles_RestoreIntoFreshServerDumpsIdentically()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = _servers.Source;
        var fresh = _servers.Fresh;
        var job = workspace.Job("pg");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - postgres: {source.Name}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(0, result.ToString());
        var sets = workspace.SetDirectories(job);
        sets.Should().ContainSingle();
        var set = await BackupSet.ReadAsync(sets[0], cts.Token);
        await set.VerifyAsync(job, "succeeded", cts.Token);
        string[] databases = ["postgres", .. PostgresServersFixture.Databases];
        var globalsFile = $"postgres-{source.Name}-globals.sql.gz";
        set.Artifacts.Select(a => a.File).Should().BeEquivalentTo(
            [globalsFile, .. databases.Select(db => $"postgres-{source.Name}-{db}.dump.gz")],
            "without `databases`, every database that accepts connections is dumped, plus the globals");
        set.Artifact(globalsFile).Should().Match<SetArtifact>(a => a.SourceKind == "globals" && a.Format == "sql" && a.Container == source.Name);
        // The version is asked while the dumps run, and each artifact's manifest entry still names it.
        set.Artifact(globalsFile).ToolVersion.Should().StartWith("pg_dumpall (PostgreSQL) 15.");
        foreach (var db in databases)
        {
            set.Artifact($"postgres-{source.Name}-{db}.dump.gz").Should().Match<SetArtifact>(
                a => a.SourceKind == "postgres" && a.Format == "pg_custom" && a.Compression == "gzip" && a.Database == db && a.SourceName == source.Name);
            set.Artifact($"postgres-{source.Name}-{db}.dump.gz").ToolVersion.Should().StartWith("pg_dump (PostgreSQL) 15.");
        }

        var globals = await fresh.PipeGunzippedAsync(set.FilePath(globalsFile), ["psql", "-X", "-U", "postgres", "-d", "postgres", "-f", "-"], cts.Token);
        _output.WriteLine($"psql -f - (globals): {globals.Output}");
        globals.ExitCode.Should().Be(0, globals.Output);
        globals.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().OnlyContain(
            l => l.Contains("role \"postgres\" already exists", StringComparison.Ordinal), "the only complaint is about the superuser every server has");
        foreach (var db in databases)
        {
            if (db != "postgres")
            {
                await fresh.ExecCheckedAsync(["createdb", "-U", "postgres", db], cts.Token);
            }

            var restore = await fresh.PipeGunzippedAsync(
                set.FilePath($"postgres-{source.Name}-{db}.dump.gz"), ["pg_restore", "-U", "postgres", "--exit-on-error", $"--dbname={db}"], cts.Token);
            restore.ExitCode.Should().Be(0, $"pg_restore of {db}: {restore.Output}");
        }

        foreach (var db in databases)
        {
            (await DumpAsync(fresh, db, "--schema-only", cts.Token)).Should().Equal(await DumpAsync(source, db, "--schema-only", cts.Token), $"the schema of {db} is restored");
            var original = await DumpAsync(source, db, null, cts.Token);
            (await DumpAsync(fresh, db, null, cts.Token)).Should().Equal(original, $"the whole of {db} is restored");
        }

        var restoredShop = await DumpAsync(fresh, "shop", null, cts.Token);
        CopyRows(restoredShop, "public.customers").Should().Be(3000, "the comparison covers the rows, not only the schema");
        CopyRows(restoredShop, "public.orders").Should().Be(5000);
        (await GlobalsAsync(fresh, cts.Token)).Should().Equal(await GlobalsAsync(source, cts.Token), "roles and their passwords are restored");
        (await fresh.PsqlAsync("shop", "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'reporter';", cts.Token)).Trim().Should().Be("t");
        (await fresh.PsqlAsync(
            "shop",
            "SELECT has_table_privilege('reporter', 'public.customers', 'SELECT'), has_table_privilege('reporter', 'public.orders', 'SELECT');",
            cts.Token)).Trim().Should().Be("t|f", "reporter's grant on customers (and only that) is restored");
        var asReporter = await fresh.ExecCheckedAsync(
            ["psql", "-X", "-h", "127.0.0.1", "-U", "reporter", "-d", "shop", "--tuples-only", "--no-align", "-c", "SELECT count(*) FROM customers"],
            cts.Token,
            environment: "PGPASSWORD=x");
        asReporter.Trim().Should().Be("3000", "reporter logs in with its restored password and reads its table");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_RoleDoesNotExist_FailsNamingRoleAndContainerAndKeepsEarlierSet()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = _servers.Source;
        var job = workspace.Job("pgrole");
        string Config(string extra) => $"""
            jobs:
              {job}:
                sources:
                  - postgres: {source.Name}
                    databases: [wiki]{extra}
            """;
        var earlier = await FailureChecks.MakeEarlierSetAsync(workspace, job, Config(string.Empty), cts.Token);
        workspace.WriteConfig(Config($"{Environment.NewLine}        user: nosuchrole"));

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain("role \"nosuchrole\" does not exist").And.Contain(source.Name);
        var failed = await FailureChecks.FailedSetAsync(workspace, job, earlier, cts.Token);
        failed.Artifacts.Should().HaveCount(2).And.OnlyContain(a => a.Status == "failed" && a.File == null && a.Container == source.Name);
        failed.Artifacts.Should().OnlyContain(a => a.Error!.Contains("role \"nosuchrole\" does not exist", StringComparison.Ordinal));
        FailureChecks.ExpectNoFile(failed, $"postgres-{source.Name}-globals.sql.gz", $"postgres-{source.Name}-wiki.dump.gz");
        await earlier.ExpectUntouchedAsync(cts.Token);
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    /// <summary>A plain pg_dump (whole, or with <paramref name="option"/>) without its comments, blank lines and per-dump random keys.</summary>
    private static async Task<IReadOnlyList<string>> DumpAsync(DatabaseContainer container, string database, string? option, CancellationToken cancellationToken)
    {
        List<string> command = ["pg_dump", "-U", "postgres", "--dbname", database];
        if (option is not null)
        {
            command.Add(option);
        }

        return Normalize(await container.ExecCheckedAsync(command, cancellationToken));
    }

    /// <summary>The rows of a table's COPY block in a plain dump.</summary>
    private static int CopyRows(IReadOnlyList<string> dump, string table)
    {
        var start = dump.ToList().FindIndex(l => l.StartsWith($"COPY {table} ", StringComparison.Ordinal));
        start.Should().BeGreaterThanOrEqualTo(0, $"the dump holds the data of {table}");
        return dump.Skip(start + 1).TakeWhile(l => l != "\\.").Count();
    }

    private static async Task<IReadOnlyList<string>> GlobalsAsync(DatabaseContainer container, CancellationToken cancellationToken) =>
        Normalize(await container.ExecCheckedAsync(["pg_dumpall", "-U", "postgres", "--globals-only"], cancellationToken));

    // pg_dump 15.14+ fences its output with \restrict/\unrestrict and a random key per dump.
    private static List<string> Normalize(string dump) =>
    [
        .. dump.Split('\n')
            .Where(l => l.Trim().Length > 0 && !l.StartsWith("--", StringComparison.Ordinal))
            .Where(l => !l.StartsWith("\\restrict ", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict ", StringComparison.Ordinal)),
    ];
}
