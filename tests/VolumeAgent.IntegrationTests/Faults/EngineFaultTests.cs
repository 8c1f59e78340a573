using System.Runtime.CompilerServices;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>
/// The engine restarted (SIGTERM, then started again at once, as <c>systemctl restart docker</c> does) and the engine
/// killed (SIGKILL, started again by the operator after the run ended) in the middle of a volume's archive and of a
/// database's dump. The agent talks only to the engine of <see cref="EngineFaultFixture"/> (DOCKER_HOST), never to
/// the shared one. Each run ends failed, naming the engine and the cause; the shared assertion set of
/// <see cref="FaultCase"/> checks the rest. "No container left stopped" after an engine restart means: what the
/// agent stopped (the app of <c>stop_containers</c>) the agent starts again, from its stop journal if the engine was
/// down when the run ended; what the engine stopped (PostgreSQL, the app's helper) the engine's restart policy starts.
/// </summary>
[Collection(DockerTests.Faults)]
[Trait("Category", "Fault")]
public sealed class EngineFaultTests : IClassFixture<EngineFaultFixture>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly EngineFaultFixture _engine;
    private readonly ITestOutputHelper _output;

    public EngineFaultTests(DockerFixture docker, EngineFaultFixture engine, ITestOutputHelper output)
    {
        _docker = docker;
        _engine = engine;
        _output = output;
        _output.WriteLine($"second engine at {engine.Engine.DockerHost}");
    }

    private SecondEngine Engine => _engine.Engine;

    /// <summary>
    /// The engine restarted while a volume's archive streams. The agent is held (SIGSTOP) from the moment its archive file
    /// grows until the engine has stopped and started again; then it runs on (SIGCONT) and reads the archive cut. The
    /// hold models a slow reader (slow storage, an overloaded host), and it makes the archive certainly in flight when the
    /// engine goes: dockerd 20.10, stopped with SIGTERM, closes its socket but serves the archive in flight until it exits,
    /// after stopping its containers, so a reader that keeps up can receive the whole 64 MiB before the engine is gone
    /// (the run then succeeds, and the fault was not injected); an archive nobody reads cannot end, so the engine's exit
    /// cuts it. The agent runs on once the engine is back (as after <c>systemctl restart docker</c>, which takes the
    /// engine seconds), so it removes its helper and starts its app at once; had it run on while the engine was down, its
    /// three retries (under two seconds) would have raced the engine's start.
    /// </summary>
    [Fact]
    public Task EngineRestartedMidArchive_RunFailsNamingTheEngine_TheAgentStartsItsAppAgain_NextRunSucceeds() =>
        FaultAsync("engine restarted mid-archive", "erestart-a", dump: false, kill: false,
            "the archive failed naming the engine (the agent, held while the engine restarted, read it cut); the engine's restart started PostgreSQL (restart policy), the agent started the app it had stopped");

    [Fact]
    public Task EngineKilledMidArchive_RunFailsNamingTheEngine_NextRunStartsTheAppAgainAndSucceeds() =>
        FaultAsync("engine killed mid-archive (SIGKILL)", "ekill-a", dump: false, kill: true,
            "the archive failed: \"… from the engine at … ended before tar's end-of-archive marker\"; the agent could not remove its helper nor start the app while the engine was down; the operator started the engine and PostgreSQL (the restarted engine started no container); the next start removed the helper and started the app from the stop journal");

    [Fact]
    public Task EngineRestartedMidDump_RunFailsNamingTheEngine_NextRunSucceeds() =>
        FaultAsync("engine restarted mid-dump", "erestart-d", dump: true, kill: false,
            "the dump failed: \"Docker engine unreachable at … there is no socket\"; the restarted engine started PostgreSQL and the app again itself (restart policy unless-stopped)");

    [Fact]
    public Task EngineKilledMidDump_RunFailsNamingTheEngine_NextRunSucceeds() =>
        FaultAsync("engine killed mid-dump (SIGKILL)", "ekill-d", dump: true, kill: true,
            "the dump failed: \"Docker engine unreachable at … Connection refused\"; the operator started the engine, PostgreSQL and the app (a killed engine, live-restore off, starts no container again)");

    /// <summary>
    /// Starts the killed engine, twice if the first start fails, as systemd's <c>Restart=on-failure</c> does: on a loaded
    /// machine the first dockerd after a SIGKILL can give up waiting for its containerd ("timeout waiting for containerd to
    /// start"), which is the engine's start-up, not the agent's behaviour under test.
    /// </summary>
    private async Task StartAfterKillAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Engine.StartAsync(cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            _output.WriteLine($"--- the engine's first start after the kill failed; starting it again: {ex.Message}");
            await Engine.StartAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Holds the agent (SIGSTOP) while the archive streams, restarts the engine (SIGTERM, waits for it to exit, starts
    /// it), lets the agent run on (SIGCONT) and waits for its run to end. The archive is checked to be in flight when the
    /// agent is held: its file then holds less than half of the volume's 64 MiB (random data, which gzip does not shrink),
    /// so the engine had more than the few MiB of socket and stream buffers left to send.
    /// </summary>
    private async Task<AgentResult> RestartWhileTheReaderIsHeldAsync(
        AgentWorkspace workspace, string job, string earlierSet, string file, AgentRun run, FaultCase fault, CancellationToken ct)
    {
        await run.SuspendAsync(ct);
        try
        {
            run.HasExited.Should().BeFalse($"the run must still be archiving when it is held; it ended: {run.OutputSoFar}");
            var set = workspace.SetDirectories(job).First(s => s != earlierSet);
            var partial = new FileInfo(Path.Combine(set, $".{file}.partial"));
            partial.Exists.Should().BeTrue("the archive is still being written when the agent is held");
            _output.WriteLine($"--- the agent held with {partial.Length} bytes of the archive written");
            partial.Length.Should().BeLessThan(32L << 20, "the archive must be in flight, far from its end, when the engine goes");

            var stopping = System.Diagnostics.Stopwatch.StartNew();
            await Engine.StopAsync(ct);
            fault.Injected();
            _output.WriteLine($"--- the engine exited {stopping.Elapsed.TotalSeconds:0.0} s after SIGTERM");
            Engine.LastStopKilled.Should().BeFalse("the engine, stopped with SIGTERM, exits by itself with the archive unread (a restart, not a kill)");
            await Engine.StartAsync(ct);
        }
        finally
        {
            await run.ResumeAsync(CancellationToken.None);
        }

        return await run.WaitAsync(RunBound, ct);
    }

    /// <summary>
    /// One engine fault: an earlier good set, a run hit while its archive (or dump) streams, the engine restarted or
    /// killed, then the shared assertions. The job stops the app while it reads the volume.
    /// </summary>
    private async Task FaultAsync(string name, string prefix, bool dump, bool kill, string happened, [CallerMemberName] string test = "")
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        workspace.Variables["DOCKER_HOST"] = Engine.DockerHost;
        workspace.Engine = _engine.Client;
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, name, ct, test: test, engine: _engine.Client);
        fault.Containers.Add(EngineFaultFixture.App);
        fault.Containers.Add(EngineFaultFixture.Postgres);
        var job = workspace.Job(prefix);
        var source = dump
            ? $"      - postgres: {EngineFaultFixture.Postgres}\n        databases: [big]\n"
            : $"      - volume: {EngineFaultFixture.Volume}\n";
        // The app is stopped while its volume is read; a dump reads a live database and stops nothing.
        var stops = dump ? string.Empty : $"    stop_containers: [{EngineFaultFixture.App}]\n";
        var earlier = await fault.EarlierSetAsync(job, $"""
            jobs:
              {job}:
            {stops}    sources:
            {source}
            """, ct);
        var file = dump ? $"postgres-{EngineFaultFixture.Postgres}-big.dump.gz" : $"volume-{EngineFaultFixture.Volume}.tar.gz";

        try
        {
            AgentResult result;
            await using (var run = await workspace.StartAsync(ct, "run-now", job, "-v"))
            {
                await FailureChecks.WhenDumpGrowsAsync(workspace, job, earlier.Path, file, run, ct);
                if (kill)
                {
                    await Engine.KillAsync(ct);
                    fault.Injected();
                    result = await run.WaitAsync(RunBound, ct);

                    // A crashed engine stays down until systemd or the operator starts it; here, once the run has ended.
                    await StartAfterKillAsync(ct);
                }
                else if (dump)
                {
                    await Engine.StopAsync(ct);
                    fault.Injected();
                    await Engine.StartAsync(ct);
                    result = await run.WaitAsync(RunBound, ct);
                }
                else
                {
                    result = await RestartWhileTheReaderIsHeldAsync(workspace, job, earlier.Path, file, run, fault, ct);
                }
            }

            _output.WriteLine($"--- the faulted run: {result}");
            _output.WriteLine(await Engine.DockerAsync(ct, "ps", "-a"));
            await fault.ExpectAsync(
                new FaultExpectation(FaultResult.FailedNamingCause, happened)
                {
                    Run = result,
                    Causes = dump ? [$"Docker engine unreachable at {Engine.DockerHost}"] : [$"from the engine at {Engine.DockerHost} ended before tar's end-of-archive marker"],
                    Repair = async ct =>
                    {
                        if (kill)
                        {
                            // A killed engine (live-restore off) stopped every container, and its restart started none of
                            // them whatever their restart policy: the operator starts those; the app of an archive job is
                            // the agent's (it stopped it), and the next run starts it from the stop journal.
                            (await Engine.DockerAsync(ct, "inspect", "-f", "{{.State.Running}}", EngineFaultFixture.App)).Trim().Should().Be("false");
                            await Engine.DockerAsync(ct, "start", EngineFaultFixture.Postgres);
                            if (dump)
                            {
                                await Engine.DockerAsync(ct, "start", EngineFaultFixture.App);
                            }
                        }

                        await _engine.UntilAnsweringAsync("big", ct);
                    },
                    HelpersLeftToNextStart = kill && !dump,
                    Repairs = kill && !dump ? [$"Started {EngineFaultFixture.App} again", "Removed container"] : [],
                },
                ct);
        }
        finally
        {
            // The class's next test needs the engine up, whatever this one found.
            await Engine.StartAsync(CancellationToken.None);
        }
    }
}
