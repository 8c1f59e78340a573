using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// A PostgreSQL source that cannot be dumped: `run-now` exits 1 naming the container and the cause, keeps no
/// file for what failed, records it in a failed set's manifest, and leaves the job's earlier good set alone.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class PostgresFailureTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public PostgresFailureTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_WrongPasswordOnServerThatAsksForOne_FailsWithAuthenticationErrorAndKeepsEarlierSet()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        const string password = "right-secret";
        var server = await DatabaseContainer.StartPostgresAsync(
            scope, "pg-scram", cts.Token, $"POSTGRES_PASSWORD={password}", "POSTGRES_INITDB_ARGS=--auth-local=scram-sha-256 --auth-host=scram-sha-256");
        var withoutPassword = await server.ExecAsync(["psql", "-X", "-w", "-U", "postgres", "-c", "SELECT 1"], cts.Token);
        withoutPassword.ExitCode.Should().NotBe(0, "this server asks for a password on its socket too");
        var job = workspace.Job("pgpass");
        string Config(string secret) => $"""
            jobs:
              {job}:
                sources:
                  - postgres: {server.Name}
                    password: {secret}
            """;
        var earlier = await FailureChecks.MakeEarlierSetAsync(workspace, job, Config(password), cts.Token);
        workspace.WriteConfig(Config("wrong"));

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain("password authentication failed").And.Contain(server.Name);
        result.Output.Should().NotContain(password, "secrets never reach the output");
        var failed = await FailureChecks.FailedSetAsync(workspace, job, earlier, cts.Token);
        failed.Artifacts.Should().ContainSingle().Which.Should().Match<SetArtifact>(
            a => a.Status == "failed" && a.File == null && a.SourceKind == "postgres" && a.Error!.Contains("password authentication failed", StringComparison.Ordinal));
        FailureChecks.ExpectNoFile(failed, $"postgres-{server.Name}-globals.sql.gz", $"postgres-{server.Name}-postgres.dump.gz");
        await earlier.ExpectUntouchedAsync(cts.Token);
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_ContainerKilledDuringTheDump_FailsNamingTheStoppedContainerAndKeepsNoDumpFile()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var server = await DatabaseContainer.StartPostgresAsync(scope, "pg-big", cts.Token, "POSTGRES_PASSWORD=big-secret");
        await server.PsqlAsync("postgres", "CREATE DATABASE big; \\connect big\nCREATE TABLE t (id int, s text); INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 10) i;", cts.Token);
        var job = workspace.Job("pgkill");
        var dumpFile = $"postgres-{server.Name}-big.dump.gz";
        var earlier = await FailureChecks.MakeEarlierSetAsync(workspace, job, $"""
            jobs:
              {job}:
                sources:
                  - postgres: {server.Name}
                    databases: [big]
            """, cts.Token);

        // About 330 MB of dump: several seconds of streaming to interrupt.
        await server.PsqlAsync("big", "INSERT INTO t SELECT i, repeat(md5(i::text), 3) FROM generate_series(11, 3000000) i;", cts.Token);
        await using var run = await workspace.StartAsync(cts.Token, "run-now", job);
        var killedAt = await KillWhenDumpIsGrowingAsync(workspace, job, earlier, dumpFile, server, run, cts.Token);
        var result = await run.WaitAsync(AgentCli.DefaultTimeout, cts.Token);
        _output.WriteLine($"--- run-now (container killed with {killedAt} bytes of the dump stored): {result}");

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain($"Container {server.Name} is not running");
        var failed = await FailureChecks.FailedSetAsync(workspace, job, earlier, cts.Token);
        failed.Artifact($"postgres-{server.Name}-globals.sql.gz").Status.Should().Be("succeeded", "the globals were dumped before the kill");
        failed.Artifacts.Should().ContainSingle(a => a.Status == "failed").Which.Should().Match<SetArtifact>(
            a => a.File == null && a.Database == "big" && a.Container == server.Name && a.Error!.Contains("not running", StringComparison.Ordinal));
        FailureChecks.ExpectNoFile(failed, dumpFile);
        await earlier.ExpectUntouchedAsync(cts.Token);
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_DatabaseContainerStopped_FailsNamingItAsNotRunningAndKeepsEarlierSet()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var server = await DatabaseContainer.StartPostgresAsync(scope, "pg-stopped", cts.Token, "POSTGRES_PASSWORD=stopped-secret");
        var job = workspace.Job("pgstop");
        var earlier = await FailureChecks.MakeEarlierSetAsync(workspace, job, $"""
            jobs:
              {job}:
                sources:
                  - postgres: {server.Name}
            """, cts.Token);
        await server.StopAsync(cts.Token);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain($"Container {server.Name} is not running");
        var failed = await FailureChecks.FailedSetAsync(workspace, job, earlier, cts.Token);
        failed.Artifacts.Should().ContainSingle().Which.Should().Match<SetArtifact>(
            a => a.Status == "failed" && a.File == null && a.Error!.Contains("not running", StringComparison.Ordinal));
        FailureChecks.ExpectNoFile(failed, $"postgres-{server.Name}-globals.sql.gz", $"postgres-{server.Name}-postgres.dump.gz");
        await earlier.ExpectUntouchedAsync(cts.Token);
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_ContainerWithoutPostgresTools_FailsSayingSoAndWritesNoDump()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var sleeper = await scope.StartSleeperAsync(cts.Token);
        var name = (await _docker.Client.Containers.InspectContainerAsync(sleeper, cts.Token)).Name!.TrimStart('/');
        var job = workspace.Job("notpg");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - postgres: {name}
                    databases: [app]
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain($"Container {name} has no pg_dumpall").And.Contain("Is it the database container?");
        var set = await BackupSet.ReadAsync(workspace.SetDirectories(job).Should().ContainSingle().Subject, cts.Token);
        set.Artifacts.Should().HaveCount(2, "the globals and the one database were each tried")
            .And.OnlyContain(a => a.Status == "failed" && a.File == null && a.Error!.Contains("has no pg_", StringComparison.Ordinal));
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_PostgresSourcePointedAtAMariaDbContainer_SaysItIsNotAPostgresContainerWithoutACredentialHint()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var server = await DatabaseContainer.StartMariaDbAsync(scope, "maria-not-pg", "maria-secret", cts.Token);
        var job = workspace.Job("pgmaria");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - postgres: {server.Name}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain($"Container {server.Name} does not look like a PostgreSQL container: it has no psql")
            .And.Contain("Point the source at the container that runs the PostgreSQL server");
        result.Output.Should().NotContain("password", "the credentials are not what is wrong").And.NotContain("POSTGRES_USER");
        var set = await BackupSet.ReadAsync(workspace.SetDirectories(job).Should().ContainSingle().Subject, cts.Token);
        set.Artifacts.Should().ContainSingle().Which.Should().Match<SetArtifact>(
            a => a.Status == "failed" && a.File == null && a.Error!.Contains("does not look like a PostgreSQL container", StringComparison.Ordinal));
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_PostgresSourcePointedAtAContainerWithPsqlButNoServer_SaysNoServerAnswersWithoutACredentialHint()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var clientOnly = await scope.StartSleeperAsync(cts.Token, image: TestImages.Postgres);
        var name = (await _docker.Client.Containers.InspectContainerAsync(clientOnly, cts.Token)).Name!.TrimStart('/');
        var job = workspace.Job("pgnoserver");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - postgres: {name}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain($"Container {name} has psql, but no PostgreSQL server answers on its local socket")
            .And.Contain("No such file or directory").And.Contain("Point the source at the container that runs the PostgreSQL server");
        result.Output.Should().NotContain("POSTGRES_PASSWORD");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    /// <summary>Waits until the new set's partial dump file exists and grows between two looks, then kills the database container.</summary>
    private static async Task<long> KillWhenDumpIsGrowingAsync(
        AgentWorkspace workspace, string job, EarlierSet earlier, string dumpFile, DatabaseContainer server, AgentRun run, CancellationToken cancellationToken)
    {
        var length = await FailureChecks.WhenDumpGrowsAsync(workspace, job, earlier.Path, dumpFile, run, cancellationToken);
        await server.KillAsync(cancellationToken);
        return length;
    }
}
