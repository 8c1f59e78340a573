using System.Globalization;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restore;

/// <summary>
/// <c>sqlite:</c> with <c>tables:</c>: an SQL script of just those tables (with their indexes) that <c>sqlite3 new.db &lt; file.sql</c>
/// restores; verified by its trailer, drilled into a scratch database, restored by <c>restore</c> into a database file.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class SqliteTablesTests
{
    // users is not exported; posts has an index and a name with an underscore pattern (post_tags vs postXtags) that a
    // LIKE pattern would confuse.
    private const string FillScript = """
        mkdir -p /data/db && chown 1000:1000 /data/db
        sqlite3 /data/db/app.sqlite "PRAGMA journal_mode=WAL;
          CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);
          CREATE TABLE posts(id INTEGER PRIMARY KEY AUTOINCREMENT, author INTEGER, body TEXT);
          CREATE INDEX posts_by_author ON posts(author);
          CREATE TABLE post_tags(post INTEGER, tag TEXT);
          CREATE TABLE postXtags(other TEXT);
          INSERT INTO users(name) VALUES ('ada'), ('bob');
          INSERT INTO posts(author, body) VALUES (1, 'hello ''world'''), (2, 'second'), (1, 'third');
          INSERT INTO post_tags VALUES (1, 'a'), (1, 'b'), (3, 'c'), (2, 'd');
          INSERT INTO postXtags VALUES ('not exported');" > /dev/null
        chown 1000:1000 /data/db/app.sqlite
        """;

    private const string CountScript =
        "sqlite3 /data/db/app.sqlite \"SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM post_tags), "
        + "(SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite%' ORDER BY name));\"";

    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public SqliteTablesTests(DockerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task Tables_AreDumpedAsSql_ThatSqlite3Restores_TheSetVerifiesDrillsAndRestoresIntoAVolume()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "sqlite-tables");
        var source = await workspace.CreateVolumeAsync("sqlite-tables", ct);
        await workspace.ShellAsync(source, FillScript, ct);
        workspace.Configure(Source(source, "[posts, post_tags]"));

        var set = await workspace.BackUpAsync(ct);

        var dump = Path.Combine(set, $"sqlite-{source}-app.sql.gz");
        File.Exists(dump).Should().BeTrue($"the set holds the tables' script: {string.Join(", ", Directory.EnumerateFiles(set).Select(Path.GetFileName))}");
        File.ReadAllText(Path.Combine(set, "manifest.json")).Should().Contain("\"source_kind\": \"sqlite\"").And.Contain("\"format\": \"sql\"");
        var copy = Path.Combine(workspace.Root, "new.db");
        var load = await HostProcess.RunAsync("sh", ["-c", $"gunzip -c '{dump}' | sqlite3 -bail '{copy}'"], ct);
        load.ExitCode.Should().Be(0, load.Stderr);
        var loaded = await HostProcess.RunAsync(
            "sqlite3", [copy, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite%' ORDER BY name); SELECT body FROM posts WHERE id = 1;"], ct);
        loaded.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            ["post_tags,posts,posts_by_author", "hello 'world'"], "sqlite3 new.db < file.sql restores the tables with their index, and nothing else");

        var drill = await workspace.RunAsync(ct, "verify", "--latest", workspace.Job, "--drill");
        drill.ExitCode.Should().Be(0, drill.ToString());
        drill.Stdout.Should().Contain("restored into a scratch SQLite database; a fresh .dump matches the backup").And.Contain("2 table(s), 7 row(s)");

        var target = workspace.TargetVolume("sqlite-tables-new");
        var restored = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", target, "--yes");
        restored.ExitCode.Should().Be(0, restored.ToString());
        (await workspace.ShellAsync(target, CountScript, ct)).Trim().Should().Be("3|4|post_tags,posts,posts_by_author");

        var refused = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--yes");
        refused.ExitCode.Should().Be(1, refused.ToString());
        refused.ToString().Should().Contain($"sqlite {source}:db/app.sqlite holds 4 table(s)").And.Contain("--force");

        await workspace.ShellAsync(source, "sqlite3 /data/db/app.sqlite 'DROP TABLE posts; DROP TABLE post_tags;'", ct);
        var forced = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--force", "--yes");
        forced.ExitCode.Should().Be(0, forced.ToString());
        (await workspace.ShellAsync(source, CountScript, ct)).Trim().Should().Be("3|4|postXtags,post_tags,posts,posts_by_author,users");
        (await workspace.ShellAsync(source, "stat -c %u:%g /data/db/app.sqlite", ct)).Trim().Should().Be("1000:1000", "the application's file keeps its owner");

        var again = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--force", "--yes");
        again.ExitCode.Should().Be(1, "the tables exist now, and a restore adds tables, never replaces them");
        (await workspace.ShellAsync(source, CountScript, ct)).Trim().Should().Be("3|4|postXtags,post_tags,posts,posts_by_author,users", "a failed restore changes nothing");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty("run-now, drill and restore remove every helper");
    }

    [Fact]
    public async Task Tables_OneMissing_FailsTheSourceNamingTheTable_AndACutScriptFailsVerify()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "sqlite-missing");
        var source = await workspace.CreateVolumeAsync("sqlite-missing", ct);
        await workspace.ShellAsync(source, FillScript, ct);
        workspace.Configure(Source(source, "[posts, comments]"), compression: "none");

        var run = await workspace.RunAsync(ct, "run-now", workspace.Job);

        run.ExitCode.Should().NotBe(0, run.ToString());
        run.ToString().Should().Contain("db/app.sqlite has no table comments");

        workspace.Configure(Source(source, "[posts]"), compression: "none");
        var set = await workspace.BackUpAsync(ct);
        var file = Path.Combine(set, $"sqlite-{source}-app.sql");
        var script = File.ReadAllText(file);
        script.TrimEnd().Should().EndWith("COMMIT;");
        File.WriteAllText(file, script.TrimEnd()[..^"COMMIT;".Length]);
        var verify = await workspace.RunAsync(ct, "verify", "--latest", workspace.Job);
        verify.ExitCode.Should().Be(1, verify.ToString());
        verify.ToString().Should().Contain("does not end with 'COMMIT;', so the dump is cut off");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    private static string Source(string volume, string tables) =>
        string.Create(CultureInfo.InvariantCulture, $"      - sqlite: {volume}\n        file: db/app.sqlite\n        image: {TestImages.Tools}\n        tables: {tables}\n");
}
