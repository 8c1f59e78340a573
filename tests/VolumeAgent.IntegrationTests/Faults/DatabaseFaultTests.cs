using System.Runtime.CompilerServices;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>
/// The database under a dump killed, paused, OOM-killed, or never answering (a lock it waits for forever): each run
/// ends failed, naming the cause, within its stall_timeout or timeout, and after the operator's repair the next run
/// succeeds; the shared assertion set of <see cref="FaultCase"/> checks the rest.
/// </summary>
[Collection(DockerTests.Faults)]
[Trait("Category", "Fault")]
public sealed class DatabaseFaultTests : IClassFixture<FaultDatabaseFixture>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly FaultDatabaseFixture _database;
    private readonly ITestOutputHelper _output;

    public DatabaseFaultTests(DockerFixture docker, FaultDatabaseFixture database, ITestOutputHelper output)
    {
        _docker = docker;
        _database = database;
        _output = output;
    }

    private DatabaseContainer Server => _database.Server;

    private string BigDump => $"postgres-{Server.Name}-big.dump.gz";

    [Fact]
    public async Task DatabaseKilledMidDump_RunFailsNamingIt_NextRunAfterItsRestartSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (fault, earlier) = await BeginAsync(workspace, "database container killed mid-dump", "kill", string.Empty, cts.Token);

        await using var run = await workspace.StartAsync(cts.Token, "run-now", fault.Job);
        await FailureChecks.WhenDumpGrowsAsync(workspace, fault.Job, earlier.Path, BigDump, run, cts.Token);
        await Server.KillAsync(cts.Token);
        fault.Injected();
        try
        {
            var result = await run.WaitAsync(RunBound, cts.Token);

            await fault.ExpectAsync(
                new FaultExpectation(FaultResult.FailedNamingCause, "the dump failed: \"Container … is not running\"; the container was started again by the operator")
                {
                    Run = result,
                    Causes = [$"Container {Server.Name} is not running"],
                    Repair = async ct =>
                    {
                        await CommandLine.DockerOkAsync(ct, "start", Server.Name);
                        await _database.UntilAnsweringAsync(ct);
                    },
                },
                cts.Token);
        }
        finally
        {
            // The class's next test needs the database up, whatever this one found.
            await CommandLine.DockerAsync(CancellationToken.None, "start", Server.Name);
        }
    }

    /// <summary>
    /// A dump the killed agent left running is ended by the next start. Which dump is left running: on engine 20.10 an
    /// exec whose client is gone is read on to its end and its output dropped (measured: 400 MB of an exec whose
    /// client was SIGKILLed were read and the exec had ended 3 s later), so a dump killed mid-output finishes on its own
    /// within seconds, and whether the next start still finds it was a race (one fresh-clone run of the parallel suite
    /// lost it). A dump that waits (here for a table another session holds locked) stays until something ends it: that is
    /// the dump the next start must end, and the lock is held until it has.
    /// </summary>
    [Fact]
    public async Task AgentKilledWhileDumping_NextStartEndsTheDumpItLeftAndSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        await CreateSmallDatabaseAsync("held", cts.Token);
        var (fault, _) = await BeginAsync(workspace, "agent SIGKILLed while dumping", "dumpkill", string.Empty, cts.Token, database: "held");
        var holder = await HoldTableLockedAsync("held", cts.Token);
        try
        {
            await using (var run = await workspace.StartAsync(cts.Token, "run-now", fault.Job))
            {
                await UntilAsync("pg_dump to wait for the lock", "SELECT count(*) FROM pg_stat_activity WHERE datname = 'held' AND application_name = 'pg_dump' AND wait_event_type = 'Lock';", "postgres", cts.Token);
                await run.KillAsync();
                fault.Injected();
            }

            await fault.ExpectAsync(
                new FaultExpectation(FaultResult.RepairedAtNextStart, "the dump, waiting for a table another session held locked, kept running in the database container with its transaction open; the next start ended it and said so (a dump killed mid-output is not left: the engine reads it to its end)")
                {
                    // The next start, while the dump still waits: it ends the dump and says so; then the lock goes, and
                    // that run's own dump goes through.
                    Repair = async ct =>
                    {
                        (await CommandLine.DockerOkAsync(ct, "top", Server.Name, "-o", "pid,args")).Should().Contain("pg_dump", "the killed agent's dump still waits");
                        await using var next = await workspace.StartAsync(ct, "run-now", fault.Job, "-v");
                        await DaemonWait.UntilAsync("the next start to end the dump the killed agent left", TimeSpan.FromSeconds(60), () =>
                            Task.FromResult((next.OutputSoFar.Contains($"left running in container {Server.Name}", StringComparison.Ordinal), next.OutputSoFar)), ct);
                        next.OutputSoFar.Should().Contain("Ended 'pg_dump'");
                        await ReleaseLockAsync(holder, ct);
                        var result = await next.WaitAsync(TimeSpan.FromMinutes(2), ct);
                        result.ExitCode.Should().Be(0, $"the next run's own dump goes through once the lock is gone: {result}");
                    },
                },
                cts.Token);
        }
        finally
        {
            await ReleaseLockAsync(holder, CancellationToken.None);
        }
    }

    /// <summary>Waits until <paramref name="sql"/> answers 1 in <paramref name="database"/>.</summary>
    private Task UntilAsync(string what, string sql, string database, CancellationToken cancellationToken, int seconds = 60) =>
        DaemonWait.UntilAsync(what, TimeSpan.FromSeconds(seconds), async () =>
        {
            var answer = await Server.PsqlAsync(database, sql, cancellationToken);
            return (answer.Trim() == "1", answer);
        }, cancellationToken);

    [Fact]
    public async Task DatabasePausedMidDump_StallTimeoutEndsTheDumpNamingThePause_NextRunAfterUnpauseSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (fault, earlier) = await BeginAsync(workspace, "database container paused mid-dump", "pause", "    stall_timeout: 3s\n", cts.Token);

        await using var run = await workspace.StartAsync(cts.Token, "run-now", fault.Job);
        await FailureChecks.WhenDumpGrowsAsync(workspace, fault.Job, earlier.Path, BigDump, run, cts.Token);
        await CommandLine.DockerPauseAsync(Server.Name, cts.Token);
        fault.Injected();
        try
        {
            var result = await run.WaitAsync(RunBound, cts.Token);

            await fault.ExpectAsync(
                new FaultExpectation(FaultResult.FailedNamingCause, "stall_timeout (3s) ended the dump: \"No output from pg_dump … container … is paused\"; unpaused by the operator")
                {
                    Run = result,
                    Causes = [$"No output from pg_dump of database 'big' in container {Server.Name} for 3s", $"container {Server.Name} is paused"],
                    Repair = async ct =>
                    {
                        (await CommandLine.DockerOkAsync(ct, "inspect", "--format", "{{.State.Paused}}", Server.Name)).Should().Be("true", "the agent never unpauses a container itself");
                        await CommandLine.DockerOkAsync(ct, "unpause", Server.Name);
                    },
                },
                cts.Token);
        }
        finally
        {
            await CommandLine.DockerAsync(CancellationToken.None, "unpause", Server.Name);
        }
    }

    [Fact]
    public async Task DatabaseOomKilledMidDump_RunFailsWithTheServersError_NextRunAfterItsRecoverySucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (fault, earlier) = await BeginAsync(workspace, "database OOM-killed mid-dump (256 MiB memory limit)", "oom", string.Empty, cts.Token);

        await using var run = await workspace.StartAsync(cts.Token, "run-now", fault.Job);
        await FailureChecks.WhenDumpGrowsAsync(workspace, fault.Job, earlier.Path, BigDump, run, cts.Token);

        // A query that wants far more memory than the container may have: the kernel's OOM killer ends its backend,
        // and PostgreSQL ends every other session (the dump's too) and recovers, as it does in production.
        var hog = Server.ExecAsync(
            ["psql", "-X", "-U", "postgres", "-d", "big", "-c", "SET work_mem = '4GB'; SELECT count(*) FROM (SELECT DISTINCT md5(i::text) FROM generate_series(1, 50000000) i) s;"],
            cts.Token);
        fault.Injected();
        var result = await run.WaitAsync(RunBound, cts.Token);
        (await hog).ExitCode.Should().NotBe(0, "the memory-hungry query was killed");
        var logs = await HostProcess.RunAsync("docker", ["logs", Server.Name], cts.Token);
        logs.Output.Should().Contain("was terminated by signal 9: Killed", "the kernel's OOM killer ended a server process");

        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.FailedNamingCause, "a backend was OOM-killed, PostgreSQL ended every session and recovered; the dump failed with the server's own error")
            {
                Run = result,
                Causes = [$"pg_dump of database 'big' in container {Server.Name}"],
                Repair = _database.UntilAnsweringAsync,
            },
            cts.Token);
    }

    [Fact]
    public async Task DatabaseNeverAnswers_SourceTimeoutEndsTheHangingDump_NextRunAfterTheLockGoesSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        await CreateSmallDatabaseAsync("hang", cts.Token);
        var (fault, _) = await BeginAsync(workspace, "database never answers (the dump waits for a lock forever)", "hang", string.Empty, cts.Token, "        timeout: 8s\n", database: "hang");

        var holder = await HoldTableLockedAsync("hang", cts.Token);
        try
        {
            fault.Injected();
            var result = await workspace.RunAsync(cts.Token, "run-now", fault.Job);
            var top = await CommandLine.DockerOkAsync(cts.Token, "top", Server.Name, "-o", "pid,args");
            top.Should().NotContain("pg_dump", "the agent ends the dump it gave up on, with every process it started");

            await fault.ExpectAsync(
                new FaultExpectation(FaultResult.FailedNamingCause, "the source's timeout (8s) ended the waiting pg_dump and every process it started; the lock was released by the operator")
                {
                    Run = result,
                    Causes = [$"postgres {Server.Name} did not finish within its timeout of 8s", "pg_dump of database 'hang'"],
                    Repair = ct => ReleaseLockAsync(holder, ct),
                },
                cts.Token);
        }
        finally
        {
            await ReleaseLockAsync(holder, CancellationToken.None);
        }
    }

    /// <summary>A small database of its own (table t, 100 rows), so that its dump takes well under any timeout on a loaded machine.</summary>
    private async Task CreateSmallDatabaseAsync(string database, CancellationToken cancellationToken) =>
        await Server.PsqlAsync("postgres", $"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}; \\connect {database}\nCREATE TABLE t AS SELECT i FROM generate_series(1, 100) i;", cancellationToken);

    /// <summary>
    /// Another session holds table t of <paramref name="database"/> locked, until <see cref="ReleaseLockAsync"/>: a
    /// pg_dump of it waits and sends nothing, for ever. Returns once the lock is held.
    /// </summary>
    private async Task<Task<Fixtures.ProcessResult>> HoldTableLockedAsync(string database, CancellationToken cancellationToken)
    {
        var holder = Server.ExecAsync(
            ["psql", "-X", "-U", "postgres", "-d", database, "-c", "BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600);"], cancellationToken);
        try
        {
            await UntilAsync("the lock to be held", "SELECT count(*) FROM pg_locks WHERE relation = 't'::regclass AND mode = 'AccessExclusiveLock' AND granted;", database, cancellationToken, seconds: 30);
            return holder;
        }
        catch
        {
            await ReleaseLockAsync(holder, CancellationToken.None);
            throw;
        }
    }

    private async Task ReleaseLockAsync(Task<Fixtures.ProcessResult> holder, CancellationToken cancellationToken)
    {
        if (holder.IsCompleted)
        {
            return;
        }

        await Server.PsqlAsync("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid();", cancellationToken);
        await holder;
    }

    /// <summary>The fault's case, its job (one source: the database big) and the job's earlier good set.</summary>
    private async Task<(FaultCase Fault, EarlierSet Earlier)> BeginAsync(
        AgentWorkspace workspace, string name, string prefix, string jobKeys, CancellationToken cancellationToken, string sourceKeys = "", string database = "big", [CallerMemberName] string test = "")
    {
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, name, cancellationToken, test: test);
        fault.Containers.Add(Server.Name);
        var job = workspace.Job(prefix);
        var earlier = await fault.EarlierSetAsync(job, $"""
            jobs:
              {job}:
            {jobKeys}    sources:
                  - postgres: {Server.Name}
                    databases: [{database}]
            {sourceKeys}
            """, cancellationToken);
        return (fault, earlier);
    }
}
