using VolumeAgent.Control.Daemon;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Control.Status;
using VolumeAgent.Operations;
using VolumeAgent.Manifest;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;
using FakeTimeProvider = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace VolumeAgent.Tests.Control;

/// <summary>
/// The daemon's runs through its run service: one lock per job shared with in-process run-now, skip or wait, the
/// status book's record of each run and the control client's view of a run-now, both subscribers of the service.
/// </summary>
public sealed class DaemonRunsTests : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _state = new();
    private readonly LogCapture _log = new();
    private readonly CancellationTokenSource _timeout = new(Bound);
    private readonly BackupPolicy _policy;
    private readonly StatusBook _status;

    public DaemonRunsTests()
    {
        _policy = PolicyLoader.Load(
            $$"""
            state_dir: {{_state.Path}}
            storage:
              local: { type: local, path: {{_state.Combine("backups")}} }
            jobs:
              nightly:
                schedule: "0 2 * * *"
                storage: [local]
                sources: [{ volume: data }]
            """,
            "backup.yml",
            FakePolicyEnvironment.Empty());
        _status = StatusBook.Load(_state.Path, _log.Logger);
    }

    private JobOptions Nightly => _policy.Jobs[0];

    public async ValueTask DisposeAsync()
    {
        // The status book saves status.json after each run, in the background: let it finish before the directory goes.
        await _status.FlushAsync();
        _status.Dispose();
        _timeout.Dispose();
        _state.Dispose();
    }

    [Fact]
    public async Task ScheduledRun_JobLockHeldByAnotherRun_SkipsAndSaysSo()
    {
        var runs = 0;
        var executor = Executor((_, _, _, _, _) => { runs++; return Task.FromResult(Result(ManifestStatus.Succeeded)); });
        using var manual = JobLock.TryAcquire(_policy.StateDir, "nightly");

        await executor.RunAsync(Nightly, ManifestTrigger.Schedule, WhenBusy.Skip, caller: null, _timeout.Token);

        runs.Should().Be(0);
        _log.Messages(Serilog.Events.LogEventLevel.Warning).Should().ContainSingle().Which.Should().Contain("the scheduled run is skipped");
        _status.Skipped("nightly").Should().BeEquivalentTo(new { Count = 1 }, "a skipped scheduled run is counted for status, not only logged");
    }

    [Fact]
    public async Task ScheduledRun_RunGoingOn_StatusShowsItsProgressFromTheRunsActivity()
    {
        var clock = new FakeTimeProvider(ControlTestData.Start);
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new RunService(_policy.StateDir, async (_, _, _, activity, _) =>
        {
            activity.Begin("pg_dump of database 'app' in container db");
            stalled.SetResult();
            await release.Task;
            return Result(ManifestStatus.Succeeded);
        }, verify: null, RunSubscribers.Create(_policy, _log.Logger, _status), clock, _log.Logger);

        var run = executor.RunAsync(Nightly, ManifestTrigger.Schedule, WhenBusy.Skip, caller: null, _timeout.Token);
        await stalled.Task.WaitAsync(_timeout.Token);
        clock.Advance(TimeSpan.FromMinutes(7));
        var running = _status.Running("nightly");
        release.SetResult();
        await run.WaitAsync(_timeout.Token);

        running.Should().BeEquivalentTo(new
        {
            Trigger = "schedule",
            LastProgressAt = ControlTestData.Start,
            StallTimeoutSeconds = 300L,
            Step = "pg_dump of database 'app' in container db",
        });
        running!.StalledFor(clock.GetUtcNow()).Should().Be(TimeSpan.FromMinutes(7), "seven minutes without progress is past the default 5m");
    }

    [Fact]
    public async Task ScheduledRun_Runs_RecordsTheResultAsLastRun()
    {
        ManifestTrigger? trigger = null;
        var executor = Executor((_, t, _, _, _) => { trigger = t; return Task.FromResult(Result(ManifestStatus.Failed, "1 of 1 artifact(s) failed.")); });

        await executor.RunAsync(Nightly, ManifestTrigger.Schedule, WhenBusy.Skip, caller: null, _timeout.Token);

        trigger.Should().Be(ManifestTrigger.Schedule);
        _status.LastRun("nightly").Should().BeEquivalentTo(new { Status = RunRecord.Failed, Trigger = "schedule", RunId = "1a2b3c4d", Error = "1 of 1 artifact(s) failed." });
        _status.Running("nightly").Should().BeNull();
    }

    [Fact]
    public async Task ScheduledRun_Ended_IsSavedInStatusJsonForTheNextStart()
    {
        var executor = Executor((_, _, _, _, _) => Task.FromResult(Result(ManifestStatus.Succeeded)));

        await executor.RunAsync(Nightly, ManifestTrigger.Schedule, WhenBusy.Skip, caller: null, _timeout.Token);
        await _status.FlushAsync().WaitAsync(_timeout.Token);
        using var reloaded = StatusBook.Load(_state.Path, _log.Logger);

        reloaded.LastRun("nightly").Should().BeEquivalentTo(new { Status = RunRecord.Succeeded, Trigger = "schedule", RunId = "1a2b3c4d", Set = "20260329T003000Z-1a2b3c4d" });
    }

    [Fact]
    public void SkippedByTheScheduler_IsCountedInTheStatus()
    {
        var executor = Executor((_, _, _, _, _) => throw new InvalidOperationException("not run"));

        executor.Skipped("nightly", ManifestTrigger.Schedule, ControlTestData.Start);
        executor.Skipped("nightly", ManifestTrigger.Schedule, ControlTestData.Start.AddDays(1));

        _status.Skipped("nightly").Should().BeEquivalentTo(new { Count = 2, LastAt = ControlTestData.Start.AddDays(1) });
    }

    [Fact]
    public async Task RunNow_JobRunningElsewhere_WaitsForItWithAMessageThenRuns()
    {
        var events = new RecordingEvents();
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = Executor((_, _, progress, _, _) =>
        {
            progress!.Report(ControlTestData.Artifact("volume-data.tar.gz", 10, ManifestStatus.Succeeded));
            ran.SetResult();
            return Task.FromResult(Result(ManifestStatus.Succeeded));
        });
        var held = JobLock.TryAcquire(_policy.StateDir, "nightly")!;

        var manual = RunManualAsync(executor, events, verbose: false, _timeout.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(300), _timeout.Token);
        var ranWhileHeld = ran.Task.IsCompleted;
        held.Dispose();
        var result = await manual.WaitAsync(_timeout.Token);

        ranWhileHeld.Should().BeFalse("the run waits for the lock");
        result.Succeeded.Should().BeTrue();
        events.Messages[0].Should().Contain("job nightly is running now").And.Contain("waiting for that run to finish");
        events.Events.Select(e => e.Type).Should().Equal(
            ControlEventTypes.Message, ControlEventTypes.Message, ControlEventTypes.Artifact, ControlEventTypes.Result);
        events.Events[^1].Status.Should().Be(RunRecord.Succeeded);
    }

    [Fact]
    public async Task RunNow_RunCancelled_RecordsAFailedRunAndRethrows()
    {
        using var cancel = new CancellationTokenSource();
        var executor = Executor(async (_, _, _, _, token) =>
        {
            await cancel.CancelAsync();
            token.ThrowIfCancellationRequested();
            return Result(ManifestStatus.Succeeded);
        });

        var run = async () => await RunManualAsync(executor, new RecordingEvents(), verbose: false, cancel.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        _status.LastRun("nightly").Should().BeEquivalentTo(new { Status = RunRecord.Failed, Trigger = "manual" });
        _status.LastRun("nightly")!.Error.Should().Contain("cancelled");
        JobLock.TryAcquire(_policy.StateDir, "nightly").Should().NotBeNull("the lock is released").And.Subject.As<JobLock>().Dispose();
    }

    [Fact]
    public async Task RunNow_LogLinesOfTheJob_AreForwardedAtTheChosenLevel()
    {
        var broadcast = new LogBroadcast();
        var logger = new Serilog.LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(broadcast).CreateLogger();
        var events = new RecordingEvents();
        var executor = new RunService(_policy.StateDir, (job, _, _, _, _) =>
        {
            logger.ForContext("Job", job.Name).ForContext("RunId", "1a2b3c4d").Information("step {Name}", "one");
            logger.ForContext("Job", job.Name).Warning("careful with {Trigger} at {Size:0.0} MB", ManifestTrigger.Manual, 1.25);
            logger.ForContext("Job", "other").Error("not ours");
            logger.Error("no job");
            return Task.FromResult(Result(ManifestStatus.Succeeded));
        }, verify: null, RunSubscribers.Create(_policy, _log.Logger, _status), TimeProvider.System, _log.Logger);

        await RunManualAsync(executor, events, verbose: false, _timeout.Token, broadcast);
        var quiet = events.Events.Where(e => e.Type == ControlEventTypes.Log).ToList();
        var verboseEvents = new RecordingEvents();
        await RunManualAsync(executor, verboseEvents, verbose: true, _timeout.Token, broadcast);
        var loud = verboseEvents.Events.Where(e => e.Type == ControlEventTypes.Log).ToList();

        quiet.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Level = "warning", Job = "nightly", Message = "careful with Manual at 1.3 MB" });
        loud.Select(e => (e.Level, e.RunId, e.Message)).Should().Equal(("information", "1a2b3c4d", "step one"), ("warning", (string?)null, "careful with Manual at 1.3 MB"));
    }

    private RunService Executor(RunJobAsync run) => new(_policy.StateDir, run, verify: null, RunSubscribers.Create(_policy, _log.Logger, _status), TimeProvider.System, _log.Logger);

    /// <summary>A run-now through the daemon: waits for a run going on, and forwards its events to the client.</summary>
    private async Task<RunResult> RunManualAsync(RunService runs, RecordingEvents events, bool verbose, CancellationToken cancellationToken, LogBroadcast? broadcast = null)
    {
        using var forward = new ControlRunEvents(events, broadcast, verbose);
        return (await runs.RunAsync(Nightly, ManifestTrigger.Manual, WhenBusy.Wait, forward, cancellationToken))!;
    }

    private static RunResult Result(ManifestStatus status, string? error = null) => new()
    {
        Job = "nightly",
        RunId = RunId.Parse("1a2b3c4d"),
        Status = status,
        StartedAt = ControlTestData.Start,
        FinishedAt = ControlTestData.Start.AddSeconds(3),
        SetName = "20260329T003000Z-1a2b3c4d",
        Artifacts = [ControlTestData.Artifact("volume-data.tar.gz", 10, status, error)],
        Error = error,
    };
}
