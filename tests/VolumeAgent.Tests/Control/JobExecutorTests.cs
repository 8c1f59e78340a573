using VolumeAgent.Control;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Control;

/// <summary>The daemon's runs: one lock per job shared with in-process run-now, skip or wait, and the record of each run.</summary>
public sealed class JobExecutorTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _state = new();
    private readonly LogCapture _log = new();
    private readonly CancellationTokenSource _timeout = new(Bound);
    private readonly BackupPolicy _policy;
    private readonly StatusBook _status;

    public JobExecutorTests()
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

    public void Dispose()
    {
        _status.Dispose();
        _timeout.Dispose();
        _state.Dispose();
    }

    [Fact]
    public async Task RunScheduledAsync_JobLockHeldByAnotherRun_SkipsAndSaysSo()
    {
        var runs = 0;
        var executor = Executor((_, _, _, _, _) => { runs++; return Task.FromResult(Result(ManifestStatus.Succeeded)); });
        using var manual = JobLock.TryAcquire(_policy.StateDir, "nightly");

        await executor.RunScheduledAsync("nightly", _timeout.Token);

        runs.Should().Be(0);
        _log.Messages(Serilog.Events.LogEventLevel.Warning).Should().ContainSingle().Which.Should().Contain("the scheduled run is skipped");
        _status.Skipped("nightly").Should().BeEquivalentTo(new { Count = 1 }, "a skipped scheduled run is counted for status, not only logged");
    }

    [Fact]
    public async Task RunScheduledAsync_RunGoingOn_StatusShowsItsProgressFromTheRunsActivity()
    {
        var clock = new FakeTimeProvider(ControlTestData.Start);
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executor = new JobExecutor(_policy, async (_, _, _, activity, _) =>
        {
            activity.Begin("pg_dump of database 'app' in container db");
            stalled.SetResult();
            await release.Task;
            return Result(ManifestStatus.Succeeded);
        }, Task.CompletedTask, _status, null, clock, _log.Logger);

        var run = executor.RunScheduledAsync("nightly", _timeout.Token);
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
    public async Task RunScheduledAsync_Runs_RecordsTheResultAsLastRun()
    {
        ManifestTrigger? trigger = null;
        var executor = Executor((_, t, _, _, _) => { trigger = t; return Task.FromResult(Result(ManifestStatus.Failed, "1 of 1 artifact(s) failed.")); });

        await executor.RunScheduledAsync("nightly", _timeout.Token);

        trigger.Should().Be(ManifestTrigger.Schedule);
        _status.LastRun("nightly").Should().BeEquivalentTo(new { Status = RunRecord.Failed, Trigger = "schedule", RunId = "1a2b3c4d", Error = "1 of 1 artifact(s) failed." });
        _status.Running("nightly").Should().BeNull();
    }

    [Fact]
    public async Task RunManualAsync_JobRunningElsewhere_WaitsForItWithAMessageThenRuns()
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

        var manual = executor.RunManualAsync(Nightly, events, verbose: false, _timeout.Token);
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
    public async Task RunManualAsync_RunCancelled_RecordsAFailedRunAndRethrows()
    {
        using var cancel = new CancellationTokenSource();
        var executor = Executor(async (_, _, _, _, token) =>
        {
            await cancel.CancelAsync();
            token.ThrowIfCancellationRequested();
            return Result(ManifestStatus.Succeeded);
        });

        var run = async () => await executor.RunManualAsync(Nightly, new RecordingEvents(), verbose: false, cancel.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        _status.LastRun("nightly").Should().BeEquivalentTo(new { Status = RunRecord.Failed, Trigger = "manual" });
        _status.LastRun("nightly")!.Error.Should().Contain("cancelled");
        JobLock.TryAcquire(_policy.StateDir, "nightly").Should().NotBeNull("the lock is released").And.Subject.As<JobLock>().Dispose();
    }

    [Fact]
    public async Task RunManualAsync_LogLinesOfTheJob_AreForwardedAtTheChosenLevel()
    {
        var broadcast = new LogBroadcast();
        var logger = new Serilog.LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(broadcast).CreateLogger();
        var events = new RecordingEvents();
        var executor = new JobExecutor(_policy, (job, _, _, _, _) =>
        {
            logger.ForContext("Job", job.Name).ForContext("RunId", "1a2b3c4d").Information("step {Name}", "one");
            logger.ForContext("Job", job.Name).Warning("careful with {Trigger} at {Size:0.0} MB", ManifestTrigger.Manual, 1.25);
            logger.ForContext("Job", "other").Error("not ours");
            logger.Error("no job");
            return Task.FromResult(Result(ManifestStatus.Succeeded));
        }, Task.CompletedTask, _status, broadcast, TimeProvider.System, _log.Logger);

        await executor.RunManualAsync(Nightly, events, verbose: false, _timeout.Token);
        var quiet = events.Events.Where(e => e.Type == ControlEventTypes.Log).ToList();
        var verboseEvents = new RecordingEvents();
        await executor.RunManualAsync(Nightly, verboseEvents, verbose: true, _timeout.Token);
        var loud = verboseEvents.Events.Where(e => e.Type == ControlEventTypes.Log).ToList();

        quiet.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Level = "warning", Job = "nightly", Message = "careful with Manual at 1.3 MB" });
        loud.Select(e => (e.Level, e.RunId, e.Message)).Should().Equal(("information", "1a2b3c4d", "step one"), ("warning", (string?)null, "careful with Manual at 1.3 MB"));
    }

    private JobExecutor Executor(RunJobAsync run) => new(_policy, run, Task.CompletedTask, _status, null, TimeProvider.System, _log.Logger);

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
