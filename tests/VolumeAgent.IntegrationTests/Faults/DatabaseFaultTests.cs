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

    [Fact]
    public async Task AgentKilledWhileDumping_NextStartEndsTheDumpItLeftAndSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (fault, earlier) = await BeginAsync(workspace, "agent SIGKILLed while dumping", "dumpkill", string.Empty, cts.Token);

        await using (var run = await workspace.StartAsync(cts.Token, "run-now", fault.Job))
        {
            await FailureChecks.WhenDumpGrowsAsync(workspace, fault.Job, earlier.Path, BigDump, run, cts.Token);
            await run.KillAsync();
            fault.Injected();
        }

        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.RepairedAtNextStart, "the dump kept running in the database container (blocked on output nobody reads, its transaction open); the next start ended it and said so")
            {
                Repairs = [$"container {Server.Name}", "an interrupted run"],

                // The premise, checked rather than assumed: the killed agent's dump is still running when the next
                // start looks (the engine keeps an exec whose client is gone, blocked on its output). Every exec of the
                // server is written out, so a failure here says what the engine had.
                Repair = async ct =>
                {
                    var execs = await _docker.Client.InspectExecsAsync(Server.Name, ct);
                    foreach (var exec in execs)
                    {
                        _output.WriteLine($"exec {exec.ID[..12]} running={exec.Running} exit={exec.ExitCode} pid={exec.Pid}: {exec.ProcessConfig?.Entrypoint} {string.Join(' ', exec.ProcessConfig?.Arguments ?? [])}");
                    }

                    execs.Should().Contain(e => e.Running, "the dump the killed agent started is still running before the next start");
                },
            },
            cts.Token);
    }

    [Fact]
    public async Task DatabasePausedMidDump_StallTimeoutEndsTheDumpNamingThePause_NextRunAfterUnpauseSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (fault, earlier) = await BeginAsync(workspace, "database container paused mid-dump", "pause", "    stall_timeout: 3s\n", cts.Token);

        await using var run = await workspace.StartAsync(cts.Token, "run-now", fault.Job);
        await FailureChecks.WhenDumpGrowsAsync(workspace, fault.Job, earlier.Path, BigDump, run, cts.Token);
        await CommandLine.DockerOkAsync(cts.Token, "pause", Server.Name);
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
        // A small database of its own, so that its dump takes well under the timeout on a loaded machine.
        await Server.PsqlAsync("postgres", "DROP DATABASE IF EXISTS hang; CREATE DATABASE hang; \\connect hang\nCREATE TABLE t AS SELECT i FROM generate_series(1, 100) i;", cts.Token);
        var (fault, _) = await BeginAsync(workspace, "database never answers (the dump waits for a lock forever)", "hang", string.Empty, cts.Token, "        timeout: 8s\n", database: "hang");

        // Another session holds the table locked: pg_dump waits for it and sends nothing, for ever.
        var holder = Server.ExecAsync(
            ["psql", "-X", "-U", "postgres", "-d", "hang", "-c", "BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600);"], cts.Token);
        try
        {
            await DaemonWait.UntilAsync("the lock to be held", TimeSpan.FromSeconds(30), async () =>
            {
                var locked = await Server.PsqlAsync("hang", "SELECT count(*) FROM pg_locks WHERE relation = 't'::regclass AND mode = 'AccessExclusiveLock' AND granted;", cts.Token);
                return (locked.Trim() == "1", locked);
            }, cts.Token);
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
