using System.Text;
using VolumeAgent.Runs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Fakes;
using VolumeAgent.Manifest;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Shared.Databases;

namespace VolumeAgent.Tests.Sources;

/// <summary>The postgres source against the fake engine: what it runs in the container, and the errors it turns exits into.</summary>
public sealed class PostgresDumpSourceTests : IAsyncDisposable
{
    private readonly FakeDockerEngine _engine = new();

    public PostgresDumpSourceTests()
    {
        _engine.Exec
            .On("db", "pg_dump", call => call.Command.Contains("--version") ? ExecReply.Ok("pg_dump (PostgreSQL) 15.4\n") : ExecReply.Ok($"-- dump of {call.Command[^3]}\n"))
            .On("db", "psql", ExecReply.Ok("app\nshop\n"))
            .On("db", "pg_dumpall", ExecReply.Ok("CREATE ROLE app;\n"));
    }

    public ValueTask DisposeAsync() => _engine.DisposeAsync();

    [Fact]
    public async Task Plan_ListsTheDatabases_AndDumpsEachAndTheGlobalsWithTheContainersOwnTools()
    {
        _engine.Containers.Add("db", env: ["POSTGRES_USER=admin", "POSTGRES_PASSWORD=s3cret"]);
        var source = EngineTestSupport.CreateSource(EngineTestSupport.Context(_engine), EngineTestSupport.Source("- postgres: db\n  format: plain"));

        var producers = await source.PlanAsync(CancellationToken.None);

        producers.Select(p => (p.Descriptor.BaseFileName, p.Descriptor.Format)).Should().Equal(
            ("postgres-db-globals.sql", SqlDumps.Sql),
            ("postgres-db-app.sql", PostgresKind.PgPlain),
            ("postgres-db-shop.sql", PostgresKind.PgPlain));
        var dump = producers[1];
        await using (dump)
        {
            Encoding.UTF8.GetString(await EngineTestSupport.ReadAllAsync(dump)).Should().Be("-- dump of app\n");
        }

        dump.Facts.ToolVersion.Should().Be("pg_dump (PostgreSQL) 15.4");
        _engine.Calls.Should().Contain("exec db: pg_dump --username admin --no-password --dbname app --format plain");
        _engine.Calls.Should().NotContain(c => c.Contains("s3cret", StringComparison.Ordinal), "the password travels in the exec's environment, never on its command line");
    }

    [Fact]
    public async Task Plan_ContainerThatDoesNotExist_FailsNamingIt()
    {
        var source = EngineTestSupport.CreateSource(EngineTestSupport.Context(_engine), EngineTestSupport.Source("- postgres: db"));

        var plan = () => source.PlanAsync(CancellationToken.None);

        (await plan.Should().ThrowAsync<ArtifactFailedException>()).Which.Message.Should().Be(
            "No container is named 'db' and no compose service 'db' exists in any compose project. Check the name with `docker ps -a`, or set `project:` in backup.yml.");
    }

    [Fact]
    public async Task Plan_ContainerThatIsNotRunning_FailsSayingDatabasesAreDumpedLive()
    {
        _engine.Containers.Add("db", running: false);
        var source = EngineTestSupport.CreateSource(EngineTestSupport.Context(_engine), EngineTestSupport.Source("- postgres: db"));

        var plan = () => source.PlanAsync(CancellationToken.None);

        (await plan.Should().ThrowAsync<ArtifactFailedException>()).Which.Message.Should().StartWith("Container db is not running (exited).");
        _engine.Calls.Should().NotContain(c => c.StartsWith("exec", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plan_ContainerWithoutPsql_FailsSayingItIsNotAPostgresContainer()
    {
        _engine.Containers.Add("redis");
        var source = EngineTestSupport.CreateSource(EngineTestSupport.Context(_engine), EngineTestSupport.Source("- postgres: redis"));

        var plan = () => source.PlanAsync(CancellationToken.None);

        (await plan.Should().ThrowAsync<ArtifactFailedException>()).Which.Message.Should().Be(
            "Container redis does not look like a PostgreSQL container: it has no psql (sh: psql: not found). " + PostgresDiagnosis.ForSource);
    }

    [Fact]
    public async Task Dump_ExitingWithAnError_FailsTheArtifactWithTheExitCodeAndTheToolsWords()
    {
        _engine.Containers.Add("db");
        _engine.Exec.On("db", "pg_dump", call => call.Command.Contains("--version")
            ? ExecReply.Ok("pg_dump (PostgreSQL) 15.4\n")
            : ExecReply.Exit(1, stderr: "pg_dump: error: query failed: permission denied for table secrets"));
        var producers = await PlanDatabaseAsync("app");

        await using var dump = producers[1];
        var read = () => EngineTestSupport.ReadAllAsync(dump);

        (await read.Should().ThrowAsync<ArtifactFailedException>()).Which.Message.Should().Be(
            "pg_dump of database 'app' in container db exited with code 1: pg_dump: error: query failed: permission denied for table secrets");
    }

    [Fact]
    public async Task Dump_ExitingZeroButReportingAnError_FailsTheArtifact()
    {
        _engine.Containers.Add("db");
        _engine.Exec.On("db", "pg_dump", call => call.Command.Contains("--version")
            ? ExecReply.Ok("pg_dump (PostgreSQL) 15.4\n")
            : new ExecReply("-- partial\n"u8.ToArray(), "pg_dump: warning: x\npg_dump: error: could not read block 7", 0));
        var producers = await PlanDatabaseAsync("app");

        await using var dump = producers[1];
        var read = () => EngineTestSupport.ReadAllAsync(dump);

        (await read.Should().ThrowAsync<ArtifactFailedException>()).Which.Message.Should().Be(
            "pg_dump of database 'app' in container db exited 0 but reported an error: pg_dump: error: could not read block 7");
    }

    [Fact]
    public async Task Dump_InAContainerWithoutTheTool_FailsSayingTheDumpRunsInTheDatabasesContainer()
    {
        _engine.Containers.Add("db");
        var producers = await PlanDatabaseAsync("app");
        _engine.Exec.On("db", "pg_dumpall", ExecReply.Exit(127, stderr: "sh: pg_dumpall: not found"));

        await using var globals = producers[0];
        var read = () => EngineTestSupport.ReadAllAsync(globals);

        (await read.Should().ThrowAsync<ArtifactFailedException>()).Which.Message.Should().Be(
            "Container db has no pg_dumpall (sh: pg_dumpall: not found). Is it the database container? The dump runs inside it so that the tool's version matches the server's.");
    }

    private async Task<IReadOnlyList<IArtifactProducer>> PlanDatabaseAsync(string database)
    {
        var source = EngineTestSupport.CreateSource(EngineTestSupport.Context(_engine), EngineTestSupport.Source($"- postgres: db\n  format: plain\n  databases: [{database}]"));
        return await source.PlanAsync(CancellationToken.None);
    }
}
