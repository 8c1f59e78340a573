using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restore;

[Collection(DockerTests.Databases)]
public sealed class DatabaseRestoreTests
{
    internal const string PostgresPassword = "source-secret";
    internal const string MariaDbPassword = "source-root";

    /// <summary>A role owning one of two databases, with a sequence, a view, a function, a grant and awkward rows.</summary>
    internal const string PostgresSetup = """
        CREATE ROLE shopkeeper LOGIN PASSWORD 'kept-secret';
        CREATE DATABASE shop OWNER shopkeeper;
        CREATE DATABASE crm;
        \c shop
        SET ROLE shopkeeper;
        CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2), tags text[]);
        INSERT INTO items (name, price, tags) SELECT 'item ' || g, g * 1.5, ARRAY['a', 'b'] FROM generate_series(1, 5000) g;
        INSERT INTO items (name) VALUES ('--looks like a comment'), (E'tab\there'), ('');
        CREATE VIEW cheap AS SELECT * FROM items WHERE price < 10;
        CREATE FUNCTION total() RETURNS numeric LANGUAGE sql AS 'SELECT sum(price) FROM items';
        RESET ROLE;
        \c crm
        CREATE TABLE people (id int PRIMARY KEY, name text, born date);
        INSERT INTO people SELECT g, 'person ' || g, date '1970-01-01' + g FROM generate_series(1, 1000) g;
        GRANT SELECT ON people TO shopkeeper;
        """;

    internal const string MariaDbSetup = """
        CREATE DATABASE app;
        USE app;
        CREATE TABLE app.orders (id INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(50), total DECIMAL(10,2), note TEXT, created TIMESTAMP DEFAULT '2026-01-01 00:00:00');
        INSERT INTO app.orders (customer, total, note) SELECT CONCAT('c', seq), seq / 3, IF(seq % 7 = 0, '-- not a comment', NULL) FROM seq_1_to_3000;
        CREATE TABLE app.audit (id INT PRIMARY KEY, what VARBINARY(16));
        INSERT INTO app.audit VALUES (1, 0x00FF10), (2, '');
        CREATE TRIGGER app.orders_ai AFTER INSERT ON app.orders FOR EACH ROW INSERT INTO app.audit VALUES (NEW.id + 100000, 'insert');
        CREATE PROCEDURE app.touch() SELECT COUNT(*) FROM app.orders;
        CREATE DATABASE other;
        CREATE TABLE other.t (a INT);
        INSERT INTO other.t VALUES (1), (2), (3);
        """;

    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public DatabaseRestoreTests(DockerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task Restore_PostgresTwoDatabasesAndARole_IntoAFreshContainer_PgDumpIsEqual()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "restore-pg");
        var source = await workspace.StartDatabaseAsync(TestImages.Postgres, "restore-pg-src", [$"POSTGRES_PASSWORD={PostgresPassword}"], ct);
        await Psql(workspace, source, "postgres", PostgresSetup, ct);
        workspace.Configure($"      - postgres: {source}\n");
        await workspace.BackUpAsync(ct);
        var fresh = await workspace.StartDatabaseAsync(TestImages.Postgres, "restore-pg-new", ["POSTGRES_PASSWORD=another-secret"], ct);

        var restore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", fresh, "--yes");

        restore.ExitCode.Should().Be(0, restore.ToString());
        foreach (var database in new[] { "shop", "crm" })
        {
            var original = await PgDumpAsync(workspace, source, database, ct);
            (await PgDumpAsync(workspace, fresh, database, ct)).Should().Be(original, $"database {database} restores exactly");
            original.Should().Contain("COPY public.");
        }

        var owner = await Psql(workspace, fresh, "postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop';", ct);
        owner.Trim().Should().Be("shopkeeper", "the database goes back to its owner");
        var login = await Psql(workspace, fresh, "postgres", "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'shopkeeper';", ct);
        login.Trim().Should().Be("t", "the role comes back with its attributes");

        var again = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", fresh, "--artifact", "shop", "--yes");
        again.ExitCode.Should().Be(1);
        again.Stderr.Should().Contain("Database 'shop'").And.Contain("is not empty").And.Contain("--force");

        var setsBefore = workspace.SetDirectories();
        var forced = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", fresh, "--artifact", "shop", "--force", "--yes");
        forced.ExitCode.Should().Be(0, forced.ToString());
        (await PgDumpAsync(workspace, fresh, "shop", ct)).Should().Be(await PgDumpAsync(workspace, source, "shop", ct));

        // The database it replaced was dumped first, from the target container, into a safety copy.
        var safety = workspace.SetDirectories().Except(setsBefore).Should().ContainSingle().Subject;
        forced.Stdout.Should().Contain($"Safety copy: set {workspace.Job}/{Path.GetFileName(safety)}");
        Directory.EnumerateFiles(safety).Select(Path.GetFileName).Should().Contain(f => f!.Contains("shop", StringComparison.Ordinal) && f.EndsWith(".dump.gz", StringComparison.Ordinal));

        var renamed = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", fresh, "--artifact", "crm", "--database", "crm_copy", "--yes");
        renamed.ExitCode.Should().Be(0, renamed.ToString());
        (await Psql(workspace, fresh, "crm_copy", "SELECT count(*) FROM people;", ct)).Trim().Should().Be("1000");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task Restore_MariaDbTwoDatabases_IntoAFreshContainer_TableChecksumsAreEqual()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "restore-maria");
        var source = await workspace.StartDatabaseAsync(TestImages.MariaDb, "restore-my-src", [$"MARIADB_ROOT_PASSWORD={MariaDbPassword}", "MARIADB_INITDB_SKIP_TZINFO=1"], ct);
        await Maria(workspace, source, MariaDbPassword, MariaDbSetup, ct);
        workspace.Configure($"      - mysql: {source}\n");
        await workspace.BackUpAsync(ct);
        var fresh = await workspace.StartDatabaseAsync(TestImages.MariaDb, "restore-my-new", ["MARIADB_ROOT_PASSWORD=another-root", "MARIADB_INITDB_SKIP_TZINFO=1"], ct);

        var restore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", fresh, "--yes");

        restore.ExitCode.Should().Be(0, restore.ToString());
        const string checksums = "CHECKSUM TABLE app.orders, app.audit, other.t EXTENDED;";
        var original = await Maria(workspace, source, MariaDbPassword, checksums, ct);
        (await Maria(workspace, fresh, "another-root", checksums, ct)).Should().Be(original);
        original.Should().Contain("app.orders");
        const string routines = "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'app'; SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'app';";
        (await Maria(workspace, fresh, "another-root", routines, ct)).Should().Be(await Maria(workspace, source, MariaDbPassword, routines, ct)).And.Contain("orders_ai");

        var drill = await workspace.RunAsync(ct, "verify", $"{workspace.Job}/latest", "--drill");
        drill.ExitCode.Should().Be(0, drill.ToString());
        drill.Stdout.Should().Contain("database 'app'").And.Contain("a fresh dump matches the backup").And.Contain("orders 3000");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task Restore_PostgresSetIntoAMariaDbContainer_IsRefusedSayingItIsNotAPostgresContainer()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "restore-pg-maria");
        var source = await workspace.StartDatabaseAsync(TestImages.Postgres, "restore-pgm-src", [$"POSTGRES_PASSWORD={PostgresPassword}"], ct);
        await Psql(workspace, source, "postgres", "CREATE DATABASE app;", ct);
        workspace.Configure($"      - postgres: {source}\n        databases: [app]\n");
        await workspace.BackUpAsync(ct);
        var maria = await workspace.StartDatabaseAsync(TestImages.MariaDb, "restore-pgm-maria", [$"MARIADB_ROOT_PASSWORD={MariaDbPassword}", "MARIADB_INITDB_SKIP_TZINFO=1"], ct);
        const string databases = "SHOW DATABASES;";
        var before = await Maria(workspace, maria, MariaDbPassword, databases, ct);

        var restore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", maria, "--yes");

        restore.ExitCode.Should().Be(1);
        restore.Stderr.Should().Contain("Nothing was restored")
            .And.Contain($"Container {maria} does not look like a PostgreSQL container: it has no psql")
            .And.Contain("Restore into the container that runs the PostgreSQL server (--to-container NAME)");
        restore.Stderr.Should().NotContain("POSTGRES_PASSWORD", "the credentials are not what is wrong");
        (await Maria(workspace, maria, MariaDbPassword, databases, ct)).Should().Be(before);
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    internal static Task<string> Psql(RestoreWorkspace workspace, string container, string database, string sql, CancellationToken cancellationToken) =>
        workspace.ExecAsync(container, ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-U", "postgres", "-d", database, "-f", "-"], cancellationToken, sql);

    internal static Task<string> Maria(RestoreWorkspace workspace, string container, string password, string sql, CancellationToken cancellationToken) =>
        workspace.ExecAsync(container, ["mariadb", "-uroot", "--batch", "--skip-column-names"], cancellationToken, sql, $"MYSQL_PWD={password}");

    /// <summary>pg_dump's plain SQL without its per-dump random \restrict key.</summary>
    internal static async Task<string> PgDumpAsync(RestoreWorkspace workspace, string container, string database, CancellationToken cancellationToken)
    {
        var dump = await workspace.ExecAsync(container, ["pg_dump", "-U", "postgres", "--dbname", database], cancellationToken);
        return string.Join('\n', dump.Split('\n').Where(l => !l.StartsWith("\\restrict ", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict ", StringComparison.Ordinal)));
    }
}
