using System.Text.Json;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// A database container paused (`docker pause`) in the middle of its dump: the run ends after the source's
/// stall_timeout or timeout, the dump's artifact fails naming pg_dump, the container and that it is paused, the
/// agent leaves the container paused (the operator paused it) and the abandoned dump ends once it is unpaused, the
/// job's other sources are backed up; under the daemon, `health` is unhealthy while the run makes no progress, and
/// the scheduled start that finds the run still going is skipped and counted in `status`.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class StalledDatabaseTests : IClassFixture<StalledDatabaseFixture>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The daemon test waits for two cron firings a minute apart.</summary>
    private static readonly TimeSpan DaemonTestTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How long a stalled run may take to end; without the watchdog it never would.</summary>
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly StalledDatabaseFixture _fixture;
    private readonly ITestOutputHelper _output;

    public StalledDatabaseTests(DockerFixture docker, StalledDatabaseFixture fixture, ITestOutputHelper output)
    {
        _docker = docker;
        _fixture = fixture;
        _output = output;
    }

    private string BigDump => $"postgres-{_fixture.Big.Name}-big.dump.gz";

    [Fact]
    public async Task RunNow_DatabasePausedMidDump_FailsThatDumpNamingPgDumpAndThePauseAndBacksUpTheOtherSources()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var big = _fixture.Big;
        var job = workspace.Job("stall");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                stall_timeout: 3s
                sources:
                  - volume: {_fixture.Volume}
                  - postgres: {big.Name}
                    databases: [big]
                  - postgres: {_fixture.Other.Name}
            """);

        await using var run = await workspace.StartAsync(cts.Token, "run-now", job);
        await using var pause = await PausedDump.WhenDumpGrowsAsync(workspace, job, BigDump, big, run, cts.Token);
        var result = await run.WaitAsync(RunBound, cts.Token);
        _output.WriteLine($"--- run-now with {big.Name} paused mid-dump: {result}");

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain($"No output from pg_dump of database 'big' in container {big.Name} for 3s").And.Contain($"container {big.Name} is paused");
        var set = await BackupSet.ReadAsync(workspace.SetDirectories(job).Should().ContainSingle().Subject, cts.Token);
        await set.VerifyAsync(job, "failed", cts.Token);
        set.Artifacts.Should().ContainSingle(a => a.Status == "failed").Which.Should().Match<SetArtifact>(
            a => a.File == null && a.Database == "big" && a.Container == big.Name
                && a.Error!.Contains("No output from pg_dump", StringComparison.Ordinal) && a.Error.Contains("is paused", StringComparison.Ordinal));
        set.Artifact($"volume-{_fixture.Volume}.tar.gz").Status.Should().Be("succeeded");
        set.Artifact($"postgres-{big.Name}-globals.sql.gz").Status.Should().Be("succeeded");
        set.Artifact($"postgres-{_fixture.Other.Name}-globals.sql.gz").Status.Should().Be("succeeded", "the run goes on after the stalled source");
        set.Artifact($"postgres-{_fixture.Other.Name}-postgres.dump.gz").Status.Should().Be("succeeded");
        FailureChecks.ExpectNoFile(set, BigDump);

        (await pause.IsPausedAsync(cts.Token)).Should().BeTrue("the agent reports a paused container; it does not unpause it behind the operator's back");
        await pause.UnpauseAsync(cts.Token);
        await ExpectNoDumpLeftAsync(big, cts.Token);
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_SourceTimeoutRunsOutWhileDatabaseIsPaused_FailsItsDumpsNamingTheTimeoutAndGoesOn()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var big = _fixture.Big;
        var job = workspace.Job("timeout");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - postgres: {big.Name}
                    databases: [big, postgres]
                    timeout: 15s
                  - postgres: {_fixture.Other.Name}
            """);

        await using var run = await workspace.StartAsync(cts.Token, "run-now", job);
        await using var pause = await PausedDump.WhenDumpGrowsAsync(workspace, job, BigDump, big, run, cts.Token);
        var result = await run.WaitAsync(RunBound, cts.Token);
        _output.WriteLine($"--- run-now with a 15 s source timeout and {big.Name} paused: {result}");

        result.ExitCode.Should().Be(1, result.ToString());
        var set = await BackupSet.ReadAsync(workspace.SetDirectories(job).Should().ContainSingle().Subject, cts.Token);
        await set.VerifyAsync(job, "failed", cts.Token);
        var failed = set.Artifacts.Where(a => a.Status == "failed").ToList();
        failed.Should().HaveCount(2);
        failed[0].Should().Match<SetArtifact>(a => a.Database == "big"
            && a.Error!.Contains($"postgres {big.Name} did not finish within its timeout of 15s; pg_dump of database 'big' in container {big.Name} was stopped", StringComparison.Ordinal));
        failed[1].Should().Match<SetArtifact>(a => a.Database == "postgres" && a.Error == $"Not started: postgres {big.Name} ran out of its timeout of 15s.");
        set.Artifact($"postgres-{_fixture.Other.Name}-postgres.dump.gz").Status.Should().Be("succeeded", "the run goes on after the source that timed out");

        await pause.UnpauseAsync(cts.Token);
        await ExpectNoDumpLeftAsync(big, cts.Token);
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task Daemon_ScheduledRunPausedMidDump_HealthIsUnhealthyAndTheNextFiringIsSkippedAndCounted()
    {
        using var cts = new CancellationTokenSource(DaemonTestTimeout);
        var ct = cts.Token;
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var big = _fixture.Big;
        var job = workspace.Job("health");

        // Two firings a minute apart, the first at least 60 s away (the daemon is up in seconds), then none for an
        // hour: the second finds the first run stalled and is skipped. The job's stall_timeout (3s) is health's
        // threshold; the source's own (10m) lets the dump wait, so the run stays stalled until the test unpauses.
        var first = DateTimeOffset.UtcNow.AddSeconds(60);
        first = new DateTimeOffset(first.Year, first.Month, first.Day, first.Hour, first.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        var second = first.AddMinutes(1);
        workspace.WriteConfig($"""
            jobs:
              {job}:
                schedule: "{first.Minute},{second.Minute} * * * *"
                stall_timeout: 3s
                sources:
                  - postgres: {big.Name}
                    databases: [big]
                    stall_timeout: 10m
            """);
        var environment = new Dictionary<string, string> { ["VOLUME_AGENT_CONTROL"] = Path.Combine(workspace.Root, "control.sock") };
        Task<AgentResult> Agent(params string[] arguments) => AgentCli.RunAsync([.. arguments, "-c", workspace.ConfigPath], ct, TimeSpan.FromSeconds(30), environment);
        async Task<JsonElement> JobStatusAsync()
        {
            var status = await Agent("status", "--json");
            status.ExitCode.Should().Be(0, status.ToString());
            using var report = JsonDocument.Parse(status.Stdout);
            return report.RootElement.GetProperty("jobs")[0].Clone();
        }

        await using var daemon = await AgentCli.StartAsync(["daemon", "-c", workspace.ConfigPath], ct, environment);
        await DaemonWait.UntilAsync("the daemon to answer health", TimeSpan.FromSeconds(60), async () =>
        {
            var health = await Agent("health");
            return (health.ExitCode == 0, $"{health} daemon: {daemon.OutputSoFar}");
        }, ct);
        DateTimeOffset.UtcNow.Should().BeBefore(first, "the daemon must be up before the first firing it is to run");
        await DaemonWait.UntilAsync($"the run scheduled for {first:HH:mm}Z to start", TimeSpan.FromSeconds(120), async () =>
        {
            var status = await JobStatusAsync();
            return (status.TryGetProperty("running", out _), $"{status} daemon: {daemon.OutputSoFar}");
        }, ct);
        await using var pause = await PausedDump.WhenDumpGrowsAsync(workspace, job, BigDump, big, daemon, ct);

        AgentResult? unhealthy = null;
        await DaemonWait.UntilAsync("health to report the stalled run", TimeSpan.FromSeconds(60), async () =>
        {
            var health = await Agent("health");
            unhealthy = health.ExitCode != 0 ? health : null;
            return (unhealthy is not null, health.ToString());
        }, ct);
        JsonElement skipped = default;
        await DaemonWait.UntilAsync($"the firing at {second:HH:mm}Z to be skipped and counted", TimeSpan.FromSeconds(120), async () =>
        {
            var status = await JobStatusAsync();
            var found = status.TryGetProperty("skipped", out skipped);
            return (found, status.ToString());
        }, ct);
        var stalled = await JobStatusAsync();
        var text = await Agent("status");
        _output.WriteLine($"--- health while {big.Name} is paused: {unhealthy}\n--- status: {text}\n--- status --json: {stalled}");

        unhealthy!.ExitCode.Should().Be(1);
        unhealthy.Output.Should().Contain($"job {job}: its schedule run").And.Contain("has made no progress for")
            .And.Contain($"(stall_timeout 3s): pg_dump of database 'big' in container {big.Name}");
        skipped.GetProperty("count").GetInt32().Should().Be(1);
        skipped.GetProperty("last_at").GetDateTimeOffset().Should().Be(second, "the skipped firing is the second scheduled one");
        text.Stdout.Should().Contain("running (schedule), no progress for")
            .And.Contain($"{job}: 1 scheduled run(s) skipped since the daemon started because a run of the job was still going");
        var running = stalled.GetProperty("running");
        running.GetProperty("stall_timeout_seconds").GetInt64().Should().Be(3);
        running.GetProperty("step").GetString().Should().Be($"pg_dump of database 'big' in container {big.Name}");

        await pause.UnpauseAsync(ct);
        await DaemonWait.UntilAsync("the unpaused run to finish its 330 MB dump", TimeSpan.FromMinutes(4), async () =>
        {
            var status = await JobStatusAsync();
            var done = !status.TryGetProperty("running", out _) && status.TryGetProperty("last_run", out _);
            return (done, status.ToString());
        }, ct);
        var last = (await JobStatusAsync()).GetProperty("last_run");
        last.GetProperty("status").GetString().Should().Be("succeeded", "the dump resumes once the container runs again: {0}\ndaemon: {1}", last, daemon.OutputSoFar);
        var healthy = await Agent("health");
        healthy.ExitCode.Should().Be(0, "nothing is stalled or failed any more: {0}", healthy);
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    /// <summary>The dump the agent abandoned ends once its container runs again: no pg_dump stays behind.</summary>
    private static Task ExpectNoDumpLeftAsync(DatabaseContainer server, CancellationToken cancellationToken) =>
        DaemonWait.UntilAsync(
            $"the abandoned pg_dump in {server.Name} to end after the unpause",
            TimeSpan.FromSeconds(60),
            async () =>
            {
                var top = await CommandLine.DockerOkAsync(cancellationToken, "top", server.Name, "-o", "pid,args");
                return (!top.Contains("pg_dump", StringComparison.Ordinal), top);
            },
            cancellationToken);
}
