using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Safety;

/// <summary>
/// A command the agent ends (a hook past its timeout, a hook or dump of a cancelled run) ends whole: every process
/// it started, also one that ignores SIGTERM; and the agent says it stopped only when nothing of it is left. What
/// runs in a container is read with `docker top`, not through the agent's engine client.
/// </summary>
[Collection(DockerTests.Faults)]
public sealed class HookAndDumpStopTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public HookAndDumpStopTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_BeforeHookShellTimesOut_ItsChildIsEndedToo()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (app, volume) = await AppAsync(scope, cts.Token);
        var job = workspace.Job("hookchild");
        workspace.WriteConfig(HookJob(job, app, volume, """["sh", "-c", "sleep 77777; echo done"]""", "2s"));

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain("did not finish within its timeout of 2s; it was stopped").And.NotContain("could not be");
        (await TopAsync(app, cts.Token)).Should().NotContain("sleep 77777", "the sleep the hook's shell started is ended with the shell");
        workspace.SetDirectories(job).Should().BeEmpty();
    }

    [Fact]
    public async Task RunNow_BeforeHookIgnoringSigtermTimesOut_ItIsKilled()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (app, volume) = await AppAsync(scope, cts.Token);
        var job = workspace.Job("hookdeaf");
        workspace.WriteConfig(HookJob(job, app, volume, """["sh", "-c", "trap '' TERM INT HUP; sleep 100000"]""", "2s"));

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain("did not finish within its timeout of 2s; it was stopped").And.Contain("SIGKILL");
        (await TopAsync(app, cts.Token)).Should().NotContain("sleep 100000", "a hook that ignores SIGTERM is killed after a short grace");
    }

    [Fact]
    public async Task RunNow_HookContainerPausedAtTheTimeout_SaysTheHookCouldNotBeStopped()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (app, volume) = await AppAsync(scope, cts.Token);
        var job = workspace.Job("hookpaused");

        // Long enough for the test to see the hook run and pause its container before the timeout ends.
        workspace.WriteConfig(HookJob(job, app, volume, """["sleep", "100002"]""", "20s"));

        await using var run = await workspace.StartAsync(cts.Token, "run-now", job);
        AgentResult result;
        try
        {
            // Seen by docker top, the exec is set up: pausing earlier could hang the engine (see the engine-level test).
            await WaitForProcessAsync(app, "sleep 100002", run, cts.Token);
            await CommandLine.DockerPauseAsync(app, cts.Token);
            result = await run.WaitAsync(AgentCli.DefaultTimeout, cts.Token);
        }
        finally
        {
            try
            {
                using var unpause = new CancellationTokenSource(TimeSpan.FromMinutes(1));
                await DockerCli.RunAsync(unpause.Token, "unpause", app);
            }
            catch (InvalidOperationException)
            {
                // It was never paused: the test failed before that.
            }
        }

        _output.WriteLine(result.ToString());
        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain("did not finish within its timeout of 20s. 'sleep' (pid ")
            .And.Contain($"in container {app} could not be stopped: container {app} is paused").And.NotContain("it was stopped");
        (await TopAsync(app, cts.Token)).Should().Contain("sleep 100002", "the message is true: the hook still runs");
    }

    [Fact]
    public async Task RunNow_CancelledDuringBeforeHook_TheHookAndItsChildAreEnded()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (app, volume) = await AppAsync(scope, cts.Token);
        var job = workspace.Job("hookcancel");
        workspace.WriteConfig(HookJob(job, app, volume, """["sh", "-c", "sleep 77778; echo done"]""", "10m"));

        await using var run = await workspace.StartAsync(cts.Token, "run-now", job);
        await WaitForProcessAsync(app, "sleep 77778", run, cts.Token);
        await run.TerminateAsync(cts.Token);
        var result = await run.WaitAsync(AgentCli.DefaultTimeout, cts.Token);

        result.ExitCode.Should().Be(130, result.ToString());
        (await TopAsync(app, cts.Token)).Should().NotContain("sleep 77778", "a cancelled run ends its hook and what the hook started");
        result.Output.Should().NotContain("could not be");
    }

    [Fact]
    public async Task RunNow_CancelledWhilePgDumpWaitsForALock_TheDumpIsEnded()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var server = await DatabaseContainer.StartPostgresAsync(scope, "pg-locked", cts.Token, "POSTGRES_PASSWORD=locked-secret");
        await server.PsqlAsync("postgres", "CREATE DATABASE locked; \\connect locked\nCREATE TABLE t (id int);", cts.Token);

        // A session holding the table's lock: pg_dump waits for it for as long as it is held.
        await DockerCli.RunAsync(
            cts.Token, "exec", "-d", server.Name, "psql", "-U", "postgres", "-d", "locked", "-c", "BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(100003);");
        var job = workspace.Job("pgcancel");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - postgres: {server.Name}
                    databases: [locked]
            """);

        await using var run = await workspace.StartAsync(cts.Token, "run-now", job);
        await WaitForProcessAsync(server.Name, "pg_dump", run, cts.Token);
        await run.TerminateAsync(cts.Token);
        var result = await run.WaitAsync(AgentCli.DefaultTimeout, cts.Token);

        result.ExitCode.Should().Be(130, result.ToString());
        (await TopAsync(server.Name, cts.Token)).Should().NotContain("pg_dump", "the dump of a cancelled run is ended, not left waiting for its lock");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    private static string HookJob(string job, string app, string volume, string command, string timeout) => $"""
        jobs:
          {job}:
            hooks:
              before:
                - container: {app}
                  command: {command}
                  timeout: {timeout}
            sources:
              - volume: {volume}
        """;

    /// <summary>`docker top`: the processes of the container as the host sees them, one per line.</summary>
    private static Task<string> TopAsync(string container, CancellationToken cancellationToken) =>
        DockerCli.RunAsync(cancellationToken, "top", container, "-o", "pid,stat,args");

    private async Task WaitForProcessAsync(string container, string text, AgentRun run, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!(await TopAsync(container, cancellationToken)).Contains(text, StringComparison.Ordinal))
        {
            run.HasExited.Should().BeFalse($"the agent must still be running while '{text}' is awaited; it ended: {run.OutputSoFar}");
            waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), $"'{text}' should start in container {container}");
            await Task.Delay(50, cancellationToken);
        }

        _output.WriteLine($"'{text}' runs in {container} after {waited.Elapsed.TotalSeconds:0.0} s");
    }

    private async Task<(string App, string Volume)> AppAsync(TestScope scope, CancellationToken cancellationToken)
    {
        var volume = await scope.CreateVolumeAsync("hook-data", cancellationToken);
        var app = await StopContainersTests.StartAppAsync(scope, _docker, [new Mount { Type = "volume", Source = volume, Target = "/data" }], cancellationToken);
        return (app, volume);
    }
}
