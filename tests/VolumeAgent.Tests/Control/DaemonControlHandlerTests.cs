using VolumeAgent.Control.Daemon;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Control.Status;
using VolumeAgent.Operations;
using VolumeAgent.Presentation;
using VolumeAgent.Manifest;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Control;

public sealed class DaemonControlHandlerTests : IAsyncDisposable
{
    private readonly TempDirectory _state = new();
    private readonly LogCapture _log = new();
    private readonly BackupPolicy _policy;
    private readonly StatusBook _status;
    private readonly List<string> _ran = [];
    private AgentStatus _report;

    public DaemonControlHandlerTests()
    {
        _policy = PolicyLoader.Load(
            $$"""
            state_dir: {{_state.Path}}
            storage:
              local: { type: local, path: {{_state.Combine("backups")}} }
            jobs:
              good:
                storage: [local]
                sources: [{ volume: data }]
              bad:
                storage: [local]
                sources: [{ volume: other }]
            """,
            "backup.yml",
            FakePolicyEnvironment.Empty());
        _status = StatusBook.Load(_state.Path, _log.Logger);
        _report = new AgentStatus { DaemonRunning = true, EngineConnected = true, GeneratedAt = ControlTestData.Start, Jobs = [] };
    }

    public async ValueTask DisposeAsync()
    {
        // The status book saves status.json after each run, in the background: let it finish before the directory goes.
        await _status.FlushAsync();
        _status.Dispose();
        _state.Dispose();
    }

    [Fact]
    public async Task RunNow_UnknownJob_IsAnErrorWithExitCode2AndRunsNothing()
    {
        var events = new RecordingEvents();

        var code = await Handler().HandleAsync(new ControlRequest { Command = ControlCommands.RunNow, Args = ["good", "nope"] }, events, CancellationToken.None);

        code.Should().Be(ExitCodes.ConfigurationError);
        events.Events.Should().ContainSingle(e => e.Type == ControlEventTypes.Error).Which.Message.Should().Contain("'nope'");
        _ran.Should().BeEmpty();
    }

    [Theory]
    [InlineData(new[] { "good" }, ExitCodes.Success)]
    [InlineData(new[] { "bad", "good" }, ExitCodes.Failure)]
    [InlineData(new string[0], ExitCodes.Failure)]
    public async Task RunNow_Jobs_RunsEachInOrderAndExitsByTheirResults(string[] jobs, int expected)
    {
        var events = new RecordingEvents();

        var code = await Handler().HandleAsync(new ControlRequest { Command = ControlCommands.RunNow, Args = jobs }, events, CancellationToken.None);

        code.Should().Be(expected);
        _ran.Should().Equal(jobs.Length == 0 ? ["good", "bad"] : jobs);
        events.Events.Count(e => e.Type == ControlEventTypes.Result).Should().Be(_ran.Count);
        events.Messages.Should().Contain(m => m.StartsWith("JOB", StringComparison.Ordinal), "the run ends with the same table as an in-process run");
    }

    [Theory]
    [InlineData(null, ExitCodes.Success, true)]
    [InlineData(RunRecord.Failed, ExitCodes.Failure, false)]
    public async Task Health_ByLastRun_ExitCodeAndEvent(string? lastRun, int expected, bool healthy)
    {
        _report = _report with { Jobs = [new JobStatus { Job = "good", LastRun = lastRun is null ? null : ControlTestData.Run(lastRun, "x") }] };
        var events = new RecordingEvents();

        var code = await Handler().HandleAsync(new ControlRequest { Command = ControlCommands.Health }, events, CancellationToken.None);

        code.Should().Be(expected);
        events.Events.Should().ContainSingle().Which.Healthy.Should().Be(healthy);
    }

    [Fact]
    public async Task Status_PostsTheDaemonsReport()
    {
        var events = new RecordingEvents();

        var code = await Handler().HandleAsync(new ControlRequest { Command = ControlCommands.Status }, events, CancellationToken.None);

        code.Should().Be(0);
        events.Events.Should().ContainSingle().Which.Report.Should().BeSameAs(_report);
    }

    [Fact]
    public async Task UnknownCommand_ListsTheCommandsWithExitCode2()
    {
        var events = new RecordingEvents();

        var code = await Handler().HandleAsync(new ControlRequest { Command = "reboot" }, events, CancellationToken.None);

        code.Should().Be(ExitCodes.ConfigurationError);
        events.Events.Single().Message.Should().Contain("run-now, status, health, list, validate");
    }

    [Fact]
    public async Task List_NoSets_SaysSo()
    {
        var events = new RecordingEvents();

        var code = await Handler().HandleAsync(new ControlRequest { Command = ControlCommands.List }, events, CancellationToken.None);

        code.Should().Be(0);
        events.Messages.Should().Equal("No backup sets yet.");
    }

    [Fact]
    public async Task AnyCommand_OfAnotherConfigWithAnotherStateDir_IsRefusedNamingTheDaemonsConfigAndDoesNothing()
    {
        foreach (var command in ControlCommands.All)
        {
            var events = new RecordingEvents();
            var request = new ControlRequest { Command = command, Config = "/srv/b/backup.yml", StateDir = "/srv/b/state" };

            var code = await Handler().HandleAsync(request, events, CancellationToken.None);

            code.Should().Be(ExitCodes.ConfigurationError, command);
            var refusal = events.Events.Should().ContainSingle(command).Which;
            refusal.Type.Should().Be(ControlEventTypes.OtherConfig);
            refusal.Config.Should().Be(DaemonIdentity.Config);
            refusal.StateDir.Should().Be(DaemonIdentity.StateDir);
            refusal.Message.Should().Contain(DaemonIdentity.Config).And.Contain("/srv/b/backup.yml").And.Contain("did nothing");
        }

        _ran.Should().BeEmpty();
    }

    [Fact]
    public async Task RunNow_OfAnotherConfigWhoseFileTheCommandCouldNotRead_IsRefused()
    {
        var events = new RecordingEvents();

        var code = await Handler().HandleAsync(new ControlRequest { Command = ControlCommands.RunNow, Config = "/srv/b/backup.yml" }, events, CancellationToken.None);

        code.Should().Be(ExitCodes.ConfigurationError);
        events.Events.Should().ContainSingle().Which.Type.Should().Be(ControlEventTypes.OtherConfig);
        _ran.Should().BeEmpty();
    }

    [Fact]
    public async Task RunNow_OfItsOwnConfig_RunsWithoutAWarning()
    {
        var events = new RecordingEvents();
        var request = new ControlRequest { Command = ControlCommands.RunNow, Args = ["good"], Config = DaemonIdentity.Config, StateDir = DaemonIdentity.StateDir };

        var code = await Handler().HandleAsync(request, events, CancellationToken.None);

        code.Should().Be(ExitCodes.Success);
        _ran.Should().Equal("good");
        events.Events.Should().NotContain(e => e.Type == ControlEventTypes.OtherConfig || e.Level == "warning");
    }

    [Fact]
    public async Task RunNow_OfAnotherFileWithTheDaemonsStateDir_RunsAndWarnsWhichFileTheDaemonRuns()
    {
        var events = new RecordingEvents();
        var request = new ControlRequest { Command = ControlCommands.RunNow, Args = ["good"], Config = "/srv/copy.yml", StateDir = DaemonIdentity.StateDir };

        var code = await Handler().HandleAsync(request, events, CancellationToken.None);

        code.Should().Be(ExitCodes.Success);
        _ran.Should().Equal("good");
        events.Events[0].Level.Should().Be("warning");
        events.Events[0].Message.Should().Contain($"runs {DaemonIdentity.Config}").And.Contain("not /srv/copy.yml").And.Contain($"share state_dir {DaemonIdentity.StateDir}");
    }

    [Fact]
    public async Task Status_WithoutAnIdentity_IsAnsweredAsWrittenByHand()
    {
        var events = new RecordingEvents();

        var code = await Handler().HandleAsync(new ControlRequest { Command = ControlCommands.Status }, events, CancellationToken.None);

        code.Should().Be(0);
        events.Events.Should().ContainSingle().Which.Type.Should().Be(ControlEventTypes.Status);
    }

    private ConfigIdentity DaemonIdentity => ConfigIdentity.Of(_state.Combine("backup.yml"), _state.Path);

    private DaemonControlHandler Handler()
    {
        RunJobAsync run = (job, _, _, _, _) =>
        {
            _ran.Add(job.Name);
            return Task.FromResult(new RunResult
            {
                Job = job.Name,
                RunId = RunId.New(),
                Status = job.Name == "bad" ? ManifestStatus.Failed : ManifestStatus.Succeeded,
                StartedAt = ControlTestData.Start,
                FinishedAt = ControlTestData.Start.AddSeconds(1),
                SetName = "set",
                Artifacts = [],
            });
        };
        var runs = new RunService(_policy.StateDir, run, verify: null, RunSubscribers.Create(_policy, _log.Logger, _status), TimeProvider.System, _log.Logger);
        return new DaemonControlHandler(_policy, DaemonIdentity, runs, Task.CompletedTask, null, () => _report, AgentSession.OpenStores(_policy), TimeProvider.System, _log.Logger);
    }
}
