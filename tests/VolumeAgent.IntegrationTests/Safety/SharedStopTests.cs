using System.Diagnostics;
using System.Globalization;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Safety;

/// <summary>
/// Runs of two jobs that stop the same container at once, and the stop journal after a crash: the container is
/// started again only when the last run holding it has read its data, a live run keeps it stopped when the other
/// one dies, and a container someone started and stopped again after a crash is left as they left it.
/// </summary>
/// <remarks>
/// Each job reads an SQLite database whose exclusive lock a "gate" container holds; the agent's copy
/// (<c>sqlite3 .backup</c>, 60 s busy timeout) waits for it. The run is thus reading, its stop_containers
/// stopped, until the test kills the gate: no timing decides what the test sees.
/// </remarks>
[Collection(DockerTests.Faults)]
public sealed class SharedStopTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public SharedStopTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task TwoJobsStopTheSameApp_AppStaysStoppedUntilTheLastRunHasReadThenStartsOnce()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var setup = await SetUpAsync(scope, workspace, cts.Token);
        // To the nanosecond, after the app's own start (the engine stamps that event before the start call returns):
        // a window in whole seconds could reach back to it or not, by chance.
        var since = UnixTimestamp(DateTimeOffset.UtcNow);

        await using var first = await StartReadingAsync(workspace, setup, setup.JobA, cts.Token);
        await using var second = await StartReadingAsync(workspace, setup, setup.JobB, cts.Token);
        await OpenAsync(setup.GateA, cts.Token);
        var firstResult = await first.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);

        firstResult.ExitCode.Should().Be(0, firstResult.ToString());
        second.HasExited.Should().BeFalse($"the second run still waits for its gate; it ended: {second.OutputSoFar}");
        var afterFirst = (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!;
        afterFirst.Running.Should().BeFalse("the second run still reads with the app stopped");
        afterFirst.StartedAt.Should().Be(setup.StartedAt, "the app was not started (and stopped again) in between");

        await OpenAsync(setup.GateB, cts.Token);
        var secondResult = await second.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);

        secondResult.ExitCode.Should().Be(0, secondResult.ToString());
        var after = (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!;
        after.Running.Should().BeTrue("the last run that held the app stopped starts it again");
        after.StartedAt.Should().NotBe(setup.StartedAt);
        var starts = await DockerCli.RunAsync(
            cts.Token, "events", "--since", since, "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            "--filter", $"container={setup.App}", "--filter", "event=start", "--format", "{{.Time}}");
        starts.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle("the app is started once, when both runs are done (events: {0})", starts);
        JournalFiles(workspace).Should().BeEmpty("nothing is held stopped any more");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task OneOfTwoRunsKilled_StatusLeavesTheAppStoppedForTheLiveRun_WhichStartsItWhenDone()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var setup = await SetUpAsync(scope, workspace, cts.Token);

        await using var first = await StartReadingAsync(workspace, setup, setup.JobA, cts.Token);
        await using var second = await StartReadingAsync(workspace, setup, setup.JobB, cts.Token);
        await first.KillAsync();
        var status = await workspace.RunAsync(cts.Token, "status", "--no-daemon");

        status.ExitCode.Should().Be(0, status.ToString());
        (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!.Running.Should().BeFalse(
            "the killed run's hold is gone, but the live run still reads with the app stopped");
        second.HasExited.Should().BeFalse($"the second run still waits for its gate; it ended: {second.OutputSoFar}");

        await OpenAsync(setup.GateB, cts.Token);
        var secondResult = await second.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);

        secondResult.ExitCode.Should().Be(0, secondResult.ToString());
        (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!.Running.Should().BeTrue(
            "the live run, the last holder, starts the app when it is done");
        JournalFiles(workspace).Should().BeEmpty();
    }

    [Fact]
    public async Task BothRunsKilled_ListStartsTheAppAgainAndClearsTheJournal()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var setup = await SetUpAsync(scope, workspace, cts.Token);

        await using (var first = await StartReadingAsync(workspace, setup, setup.JobA, cts.Token))
        await using (var second = await StartReadingAsync(workspace, setup, setup.JobB, cts.Token))
        {
            await first.KillAsync();
            await second.KillAsync();
        }

        (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!.Running.Should().BeFalse("nothing restarts the app while no agent runs");
        JournalFiles(workspace).Should().NotBeEmpty("the journal lists the app");
        var list = await workspace.RunAsync(cts.Token, "list");

        list.ExitCode.Should().Be(0, list.ToString());
        list.Stderr.Should().Contain($"Started {setup.App} again: interrupted run");
        (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!.Running.Should().BeTrue(
            "`list` starts again what killed runs left stopped");
        JournalFiles(workspace).Should().BeEmpty("the journal is cleared once its containers run");
    }

    [Fact]
    public async Task AfterACrash_OperatorStartedAndStoppedTheApp_VerifyLeavesItStoppedSaysSoAndDropsTheEntry()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var setup = await SetUpAsync(scope, workspace, cts.Token);
        await OpenAsync(setup.GateB, cts.Token);
        var good = await workspace.RunAsync(cts.Token, "run-now", setup.JobB);
        good.ExitCode.Should().Be(0, good.ToString());
        var agentStart = (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!.StartedAt;

        await using (var crashed = await StartReadingAsync(workspace, setup, setup.JobA, cts.Token))
        {
            await crashed.KillAsync();
        }

        await _docker.Client.StartAsync(setup.App, cts.Token);
        await _docker.Client.Containers.StopContainerAsync(setup.App, new ContainerStopParameters { WaitBeforeKillSeconds = 10 }, cts.Token);
        var operatorStart = (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!.StartedAt;
        operatorStart.Should().NotBe(agentStart);
        var verify = await workspace.RunAsync(cts.Token, "verify", "--latest", setup.JobB);

        verify.ExitCode.Should().Be(0, verify.ToString());
        verify.Stderr.Should().Contain($"{setup.App} was started again after interrupted run").And.Contain("the operator has taken it over");
        var state = (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!;
        state.Running.Should().BeFalse("the operator stopped it on purpose after the crash");
        state.StartedAt.Should().Be(operatorStart, "the agent did not start it");
        JournalFiles(workspace).Should().BeEmpty("the entry is dropped once the operator has taken the container over");
        await OpenAsync(setup.GateA, cts.Token);
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNowOfTwoJobs_ARunBesideItIsKilled_TheSecondJobStartsTheAppAgainBeforeItRuns()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var small = await scope.CreateVolumeAsync("small", cts.Token);
        var sleeper = await scope.StartSleeperAsync(cts.Token);
        var waiting = workspace.Job("waiting");
        var next = workspace.Job("next");
        var setup = await SetUpAsync(scope, workspace, cts.Token, $$"""
              {{waiting}}:
                hooks:
                  before:
                    - container: {{sleeper}}
                      command: ["sh", "-c", "touch /tmp/waiting; while [ ! -e /tmp/go ]; do sleep 0.1; done"]
                      timeout: 3m
                sources:
                  - volume: {{small}}
              {{next}}:
                sources:
                  - volume: {{small}}
            """);

        // This process opened its session (and repaired) before the other run even started.
        await using var longLived = await workspace.StartAsync(cts.Token, "run-now", waiting, next, "--verbose");
        var waited = Stopwatch.StartNew();
        while ((await HostProcess.RunAsync("docker", ["exec", sleeper, "test", "-e", "/tmp/waiting"], cts.Token)).ExitCode != 0)
        {
            longLived.HasExited.Should().BeFalse($"the run-now should wait in its before-hook; it ended: {longLived.OutputSoFar}");
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(45), "the run-now should reach its before-hook");
            await Task.Delay(100, cts.Token);
        }

        await using (var killed = await StartReadingAsync(workspace, setup, setup.JobA, cts.Token))
        {
            await killed.KillAsync();
        }

        (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!.Running.Should().BeFalse();
        await DockerCli.RunAsync(cts.Token, "exec", sleeper, "touch", "/tmp/go");
        var result = await longLived.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Stderr.Should().Contain($"Started {setup.App} again: interrupted run");
        (await _docker.Client.Containers.InspectContainerAsync(setup.App, cts.Token)).State!.Running.Should().BeTrue(
            "before each job, as the daemon before each run, the agent starts again what a killed run left stopped");
        JournalFiles(workspace).Should().BeEmpty();
    }

    /// <summary>Seconds and nanoseconds since the epoch, as <c>docker events --since</c> reads them.</summary>
    private static string UnixTimestamp(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond * 100:D9}");
    }

    /// <summary>The stop journal's data files (its lock file stays).</summary>
    private static IReadOnlyList<string> JournalFiles(AgentWorkspace workspace)
    {
        var folder = Path.Combine(workspace.StateDir, "journal");
        return Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*.json")] : [];
    }

    /// <summary>An app, two gated databases, and jobs A and B that each stop the app and copy one database (then <paramref name="moreJobs"/>).</summary>
    private async Task<Setup> SetUpAsync(TestScope scope, AgentWorkspace workspace, CancellationToken cancellationToken, string moreJobs = "")
    {
        var app = await StopContainersTests.StartAppAsync(scope, _docker, [], cancellationToken);
        var gateA = await CloseGateAsync(scope, "gate-a", cancellationToken);
        var gateB = await CloseGateAsync(scope, "gate-b", cancellationToken);
        var jobA = workspace.Job("shared-a");
        var jobB = workspace.Job("shared-b");
        workspace.WriteConfig($"""
            jobs:
              {jobA}:
                stop_containers: [{app}]
                sources:
                  - sqlite: {gateA.Volume}
                    file: db.sqlite
                    image: {TestImages.Tools}
              {jobB}:
                stop_containers: [{app}]
                sources:
                  - sqlite: {gateB.Volume}
                    file: db.sqlite
                    image: {TestImages.Tools}
            {moreJobs}
            """);
        var startedAt = (await _docker.Client.Containers.InspectContainerAsync(app, cancellationToken)).State!.StartedAt;
        return new Setup(app, startedAt, jobA, jobB, gateA, gateB);
    }

    /// <summary>Starts a run-now of the job and returns once it is reading its database with the app stopped.</summary>
    private async Task<AgentRun> StartReadingAsync(AgentWorkspace workspace, Setup setup, string job, CancellationToken cancellationToken)
    {
        var run = await workspace.StartAsync(cancellationToken, "run-now", job, "--verbose");
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var helpers = await workspace.AgentContainersAsync(cancellationToken);
            var reading = helpers.Any(c => c.Labels?.TryGetValue(AgentLabelNames.Job, out var of) == true && of == job);
            if (reading && (await _docker.Client.Containers.InspectContainerAsync(setup.App, cancellationToken)).State is { Running: false })
            {
                _output.WriteLine($"run of {job} reads with the app stopped after {waited.Elapsed.TotalSeconds:0.0} s");
                return run;
            }

            run.HasExited.Should().BeFalse($"the run of {job} must still be reading; it ended: {run.OutputSoFar}");
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(45), $"the run of {job} should reach its database; output: {run.OutputSoFar}");
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>A volume with db.sqlite, and a container holding the database's exclusive lock until killed.</summary>
    private async Task<Gate> CloseGateAsync(TestScope scope, string prefix, CancellationToken cancellationToken)
    {
        var volume = await scope.CreateVolumeAsync(prefix, cancellationToken);
        var mounts = new[] { new Mount { Type = "volume", Source = volume, Target = "/data" } };
        var init = await scope.RunToCompletionAsync(Sqlite(mounts, ["sqlite3", "/data/db.sqlite", "CREATE TABLE t(x); INSERT INTO t VALUES (1);"]), cancellationToken);
        init.ExitCode.Should().Be(0, init.Stderr);
        var locker = await scope.RunContainerAsync(Sqlite(mounts, ["sh", "-c", "(echo 'BEGIN EXCLUSIVE;'; sleep 3600) | sqlite3 /data/db.sqlite"]), cancellationToken);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            // The shell's busy timeout is 0: a reader is refused at once while the lock is held.
            var probe = await scope.RunToCompletionAsync(Sqlite(mounts, ["sqlite3", "/data/db.sqlite", "SELECT count(*) FROM t;"]), cancellationToken);
            if (probe.ExitCode != 0 && probe.Stderr.Contains("locked", StringComparison.Ordinal))
            {
                return new Gate(volume, locker);
            }

            probe.ExitCode.Should().Be(0, probe.Stderr);
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the gate container should take the lock");
            await Task.Delay(100, cancellationToken);
        }
    }

    private Task OpenAsync(Gate gate, CancellationToken cancellationToken) => _docker.Client.Containers.KillContainerAsync(gate.Locker, new ContainerKillParameters { Signal = "KILL" }, cancellationToken);

    private CreateContainerParameters Sqlite(IList<Mount> mounts, IList<string> command) => new()
    {
        Image = TestImages.Tools,
        Cmd = command,
        Labels = _docker.LabelsWith(),
        HostConfig = new HostConfig { NetworkMode = "none", Mounts = mounts },
    };

    private sealed record Gate(string Volume, string Locker);

    private sealed record Setup(string App, string? StartedAt, string JobA, string JobB, Gate GateA, Gate GateB);
}
