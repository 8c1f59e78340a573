using VolumeAgent.Tests.Manifest;
using VolumeAgent.Operations;
using VolumeAgent.Policy;
using VolumeAgent.Restore;
using VolumeAgent.Retention;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Control;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Tests.Operations;

/// <summary>The one way into a run: its lock, and the events every subscriber is told, in order and with their payloads.</summary>
public sealed class RunServiceTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _state = new();
    private readonly LogCapture _log = new();
    private readonly CancellationTokenSource _timeout = new(Bound);
    private readonly RecordingSubscriber _registered = new();
    private readonly RecordingSubscriber _caller = new();
    private readonly BackupPolicy _policy;

    public RunServiceTests()
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
                sources: [{ volume: data }, { volume: logs }]
            """,
            "backup.yml",
            FakePolicyEnvironment.Empty());
    }

    private JobOptions Nightly => _policy.Jobs[0];

    public void Dispose()
    {
        _timeout.Dispose();
        _state.Dispose();
    }

    [Fact]
    public async Task RunAsync_SuccessfulRun_PublishesStartArtifactsRetentionAndEndInOrder()
    {
        var data = ControlTestData.Artifact("volume-data.tar.gz", 10, ManifestStatus.Succeeded);
        var logs = ControlTestData.Artifact("volume-logs.tar.gz", 20, ManifestStatus.Succeeded);
        var result = Result(ManifestStatus.Succeeded, [data, logs]) with
        {
            Retention = new Dictionary<string, IReadOnlyList<RetentionDecision>>
            {
                ["local"] = [Decision("20260329T003000Z-1a2b3c4d", keep: true), Decision("20260301T003000Z-0a0b0c0d", keep: false)],
            },
        };
        var service = Service((_, _, progress, _, _) =>
        {
            progress!.Report(data);
            progress.Report(logs);
            return Task.FromResult(result);
        });

        var returned = await service.RunAsync(Nightly, ManifestTrigger.Schedule, WhenBusy.Skip, _caller, _timeout.Token);

        returned.Should().BeSameAs(result);
        _registered.Types.Should().Equal(typeof(RunStarted), typeof(ArtifactFinished), typeof(ArtifactFinished), typeof(RetentionApplied), typeof(RunEnded));
        _caller.Types.Should().Equal(_registered.Types, "the caller's own subscriber is told the same run");
        var events = _registered.Events;
        events.Should().AllSatisfy(e => e.Job.Should().Be("nightly"));
        events[0].Should().BeOfType<RunStarted>().Which.Trigger.Should().Be(ManifestTrigger.Schedule);
        events[1].Should().BeOfType<ArtifactFinished>().Which.Artifact.Should().BeSameAs(data);
        events[2].Should().BeOfType<ArtifactFinished>().Which.Artifact.Should().BeSameAs(logs);
        events[3].Should().BeEquivalentTo(new { Storage = "local", Kept = new[] { "20260329T003000Z-1a2b3c4d" }, Pruned = new[] { "20260301T003000Z-0a0b0c0d" } });
        var ended = events[4].Should().BeOfType<RunEnded>().Subject;
        ended.Should().BeEquivalentTo(new { Trigger = ManifestTrigger.Schedule, Succeeded = true, Cancelled = false, Error = (string?)null });
        ended.Result.Should().BeSameAs(result);
        ended.StartedAt.Should().Be(events[0].At);
    }

    [Fact]
    public async Task RunAsync_FailedArtifact_PublishesItsFailureAndAFailedEndWithTheRunsError()
    {
        var failed = ControlTestData.Artifact(null, 0, ManifestStatus.Failed, "volume 'logs' does not exist");
        var service = Service((_, _, progress, _, _) =>
        {
            progress!.Report(ControlTestData.Artifact("volume-data.tar.gz", 10, ManifestStatus.Succeeded));
            progress.Report(failed);
            return Task.FromResult(Result(ManifestStatus.Failed, [failed], "1 of 2 artifact(s) failed."));
        });

        var result = await service.RunAsync(Nightly, ManifestTrigger.Manual, WhenBusy.Skip, _caller, _timeout.Token);

        result!.Succeeded.Should().BeFalse();
        _registered.Types.Should().Equal(typeof(RunStarted), typeof(ArtifactFinished), typeof(ArtifactFinished), typeof(RunEnded));
        _registered.Events[2].Should().BeOfType<ArtifactFinished>().Which.Artifact.Error.Should().Be("volume 'logs' does not exist");
        _registered.Events[3].Should().BeEquivalentTo(new { Trigger = ManifestTrigger.Manual, Succeeded = false, Cancelled = false, Error = "1 of 2 artifact(s) failed." });
    }

    [Fact]
    public async Task RunAsync_Cancelled_PublishesACancelledEndWithoutResultReleasesTheLockAndRethrows()
    {
        using var cancel = new CancellationTokenSource();
        var service = Service(async (_, _, progress, _, token) =>
        {
            progress!.Report(ControlTestData.Artifact("volume-data.tar.gz", 10, ManifestStatus.Succeeded));
            await cancel.CancelAsync();
            token.ThrowIfCancellationRequested();
            return Result(ManifestStatus.Succeeded, []);
        });

        var run = async () => await service.RunAsync(Nightly, ManifestTrigger.Manual, WhenBusy.Wait, _caller, cancel.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        _registered.Types.Should().Equal(typeof(RunStarted), typeof(ArtifactFinished), typeof(RunEnded));
        var ended = _registered.Events[^1].Should().BeOfType<RunEnded>().Subject;
        ended.Should().BeEquivalentTo(new { Cancelled = true, Succeeded = false, Result = (RunResult?)null });
        ended.Error.Should().Contain("cancelled");
        JobLock.TryAcquire(_policy.StateDir, "nightly").Should().NotBeNull("the lock is released").And.Subject.As<JobLock>().Dispose();
    }

    [Fact]
    public async Task RunAsync_RunThrows_PublishesAnEndWithTheErrorAndRethrows()
    {
        var service = Service((_, _, _, _, _) => throw new InvalidOperationException("storage 'local' vanished"));

        var run = async () => await service.RunAsync(Nightly, ManifestTrigger.Schedule, WhenBusy.Skip, _caller, _timeout.Token);

        await run.Should().ThrowAsync<InvalidOperationException>();
        _registered.Types.Should().Equal(typeof(RunStarted), typeof(RunEnded));
        _registered.Events[^1].Should().BeEquivalentTo(new { Cancelled = false, Result = (RunResult?)null, Error = "storage 'local' vanished" });
    }

    [Fact]
    public async Task RunAsync_LockHeldAndSkip_PublishesOnlyASkipAndDoesNotRun()
    {
        var runs = 0;
        var service = Service((_, _, _, _, _) => { runs++; return Task.FromResult(Result(ManifestStatus.Succeeded, [])); });
        using var other = JobLock.TryAcquire(_policy.StateDir, "nightly");

        var result = await service.RunAsync(Nightly, ManifestTrigger.Schedule, WhenBusy.Skip, _caller, _timeout.Token);

        result.Should().BeNull();
        runs.Should().Be(0);
        _registered.Types.Should().Equal(typeof(RunSkipped));
        _registered.Events[0].Should().BeEquivalentTo(new { Job = "nightly", Trigger = ManifestTrigger.Schedule });
        _caller.Types.Should().Equal(typeof(RunSkipped));
        _log.Messages(Serilog.Events.LogEventLevel.Warning).Should().ContainSingle()
            .Which.Should().Contain("the scheduled run is skipped").And.Contain("started by another agent process");
    }

    [Fact]
    public async Task RunAsync_LockHeldByARunOfThisServiceAndWait_PublishesWhoHoldsItThenRunsOnceItIsFree()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var service = Service(async (_, _, _, _, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                started.SetResult();
                await release.Task;
            }

            return Result(ManifestStatus.Succeeded, []);
        });
        var scheduled = service.RunAsync(Nightly, ManifestTrigger.Schedule, WhenBusy.Skip, caller: null, _timeout.Token);
        await started.Task.WaitAsync(_timeout.Token);

        var manual = service.RunAsync(Nightly, ManifestTrigger.Manual, WhenBusy.Wait, _caller, _timeout.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(300), _timeout.Token);
        var waitedWhileHeld = _caller.Types.ToList();
        release.SetResult();
        await scheduled.WaitAsync(_timeout.Token);
        var result = await manual.WaitAsync(_timeout.Token);

        waitedWhileHeld.Should().Equal([typeof(RunWaiting)], "the run-now does not start while the scheduled run holds the lock");
        _caller.Events[0].Should().BeOfType<RunWaiting>().Which.HeldBy.Should().StartWith("a schedule run started ");
        _caller.Types.Should().Equal(typeof(RunWaiting), typeof(RunStarted), typeof(RunEnded));
        result!.Succeeded.Should().BeTrue();
        calls.Should().Be(2);
    }

    [Fact]
    public void Skipped_ByTheScheduler_PublishesASkipForTheScheduledInstant()
    {
        var service = Service((_, _, _, _, _) => throw new InvalidOperationException("not run"));

        service.Skipped("nightly", ManifestTrigger.Schedule, ControlTestData.Start);

        _registered.Events.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Job = "nightly", Trigger = ManifestTrigger.Schedule, ScheduledFor = ControlTestData.Start });
    }

    [Fact]
    public async Task RunAsync_ARegisteredSubscriberThrows_TheRunAndTheOtherSubscribersGoOn()
    {
        var subscribers = RunSubscribers.Create(_policy, _log.Logger, new ThrowingSubscriber(), _registered);
        var service = new RunService(_policy.StateDir, (_, _, _, _, _) => Task.FromResult(Result(ManifestStatus.Succeeded, [])), verify: null, subscribers, TimeProvider.System, _log.Logger);

        var result = await service.RunAsync(Nightly, ManifestTrigger.Manual, WhenBusy.Skip, _caller, _timeout.Token);

        result!.Succeeded.Should().BeTrue();
        _registered.Types.Should().Equal(typeof(RunStarted), typeof(RunEnded));
        _caller.Types.Should().Equal(typeof(RunStarted), typeof(RunEnded));
        _log.Messages(Serilog.Events.LogEventLevel.Warning).Should().HaveCount(2).And.AllSatisfy(m => m.Should().Contain("ThrowingSubscriber failed"));
    }

    [Fact]
    public async Task VerifyAsync_CompleteCopy_PublishesStartAndEndWithTheVerifiersResult()
    {
        var set = Set(BackupSetState.Complete);
        var verified = Verification(set, ManifestStatus.Succeeded);
        var service = new RunService(_policy.StateDir, run: null, (_, drill, _) => Task.FromResult(verified with { Kind = drill ? ManifestVerificationKind.Drill : ManifestVerificationKind.Verify }), Subscribers(), TimeProvider.System, _log.Logger);

        var result = await service.VerifyAsync(set, drill: true, _caller, _timeout.Token);

        result.Kind.Should().Be(ManifestVerificationKind.Drill);
        _registered.Types.Should().Equal(typeof(VerificationStarted), typeof(VerificationEnded));
        _registered.Events[0].Should().BeEquivalentTo(new { Job = "nightly", Drill = true });
        ((VerificationStarted)_registered.Events[0]).Set.Should().BeSameAs(set);
        _registered.Events[1].Should().BeOfType<VerificationEnded>().Which.Result.Should().BeSameAs(result);
        _caller.Types.Should().Equal(_registered.Types);
    }

    [Fact]
    public async Task VerifyAsync_IncompleteCopy_FailsWithoutReadingItAndSaysWhy()
    {
        var set = Set(BackupSetState.Incomplete);
        var read = false;
        var service = new RunService(_policy.StateDir, run: null, (s, _, _) => { read = true; return Task.FromResult(Verification(s, ManifestStatus.Succeeded)); }, Subscribers(), TimeProvider.System, _log.Logger);

        var result = await service.VerifyAsync(set, drill: false, _caller, _timeout.Token);

        read.Should().BeFalse();
        result.Should().BeEquivalentTo(new { Succeeded = false, Kind = ManifestVerificationKind.Verify, Storage = "local", SetName = set.Name });
        result.Problems.Should().ContainSingle().Which.Should().Be(SetSelector.Unusable(set));
        _registered.Events[^1].Should().BeOfType<VerificationEnded>().Which.Result.Should().BeSameAs(result);
    }

    private RunSubscribers Subscribers() => RunSubscribers.Create(_policy, _log.Logger, _registered);

    private RunService Service(RunJobAsync run) => new(_policy.StateDir, run, verify: null, Subscribers(), TimeProvider.System, _log.Logger);

    private StoredSet Set(BackupSetState state)
    {
        var store = AgentSession.OpenStores(_policy)["local"];
        var runId = RunId.Parse("1a2b3c4d");
        return new StoredSet("local", store, new BackupSetInfo
        {
            Job = "nightly",
            DirectoryName = "20260329T003000Z-1a2b3c4d",
            RunId = runId,
            StartedAt = ControlTestData.Start,
            State = state,
            Manifest = state == BackupSetState.Complete ? ManifestSamples.Manifest("nightly", runId, ControlTestData.Start, []) : null,
            TotalStoredBytes = 1,
            ArtifactCount = 0,
            Problem = state == BackupSetState.Complete ? null : "No manifest.json: the run is still going",
        });
    }

    private static VerificationResult Verification(StoredSet set, ManifestStatus status) => new()
    {
        Storage = set.StorageName,
        SetName = set.Name,
        Kind = ManifestVerificationKind.Verify,
        Status = status,
        VerifiedAt = ControlTestData.Start,
        Artifacts = [new ArtifactOutcome("volume-data.tar.gz", status == ManifestStatus.Succeeded, "volume-data.tar.gz: checksum ok")],
        Problems = [],
        Details = "1 artifact(s) checked",
    };

    private static RetentionDecision Decision(string set, bool keep) =>
        new(new RetentionCandidate(set, ControlTestData.Start, RetentionSetState.Succeeded), keep, keep ? ["last 1"] : []);

    private static RunResult Result(ManifestStatus status, IReadOnlyList<ManifestArtifact> artifacts, string? error = null) => new()
    {
        Job = "nightly",
        RunId = RunId.Parse("1a2b3c4d"),
        Status = status,
        StartedAt = ControlTestData.Start,
        FinishedAt = ControlTestData.Start.AddSeconds(3),
        SetName = "20260329T003000Z-1a2b3c4d",
        Artifacts = artifacts,
        Error = error,
    };

    private sealed class ThrowingSubscriber : IRunSubscriber
    {
        public void OnEvent(RunEvent runEvent) => throw new InvalidOperationException("a notifier that fails");
    }
}
