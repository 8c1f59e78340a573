using System.Text.Json;
using VolumeAgent.Control.Daemon;
using VolumeAgent.Control.Status;
using VolumeAgent.Manifest;
using VolumeAgent.Notifiers;
using VolumeAgent.Notifiers.Delivery;
using VolumeAgent.Notifiers.Missed;
using VolumeAgent.Operations;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Tests.Notifiers.Receivers;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Notifiers;

/// <summary>
/// The dead man's switch on a fake clock: a job past its max_age gets one missed notification (to a real webhook
/// receiver), none again while it stays missed, and is armed again by its next success; and the daemon itself,
/// started with a clock past max_age from status.json's last success, sends it before the engine ever answers.
/// </summary>
public sealed class MissedScheduleTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly HttpReceiver _http = new();
    private readonly TempDirectory _state = new();
    private readonly LogCapture _log = new();
    private readonly CancellationTokenSource _timeout = new(Bound);

    public void Dispose()
    {
        _http.Dispose();
        _state.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task JobPastMaxAge_AlertsOnce_AndClearsOnTheNextSuccess()
    {
        var clock = new FakeTimeProvider(Now);
        var policy = Policy();
        await using var notifier = new NotificationSubscriber(policy, Backoff.Default, TimeProvider.System, _log.Logger);
        var watch = new MissedScheduleWatch(policy, _ => Now - TimeSpan.FromDays(3), notifier.Notify, clock, _log.Logger);
        using var stop = new CancellationTokenSource();
        var watching = watch.RunAsync(stop.Token);

        var first = (await _http.WaitForAsync(1, Bound)).Single();
        using (var json = JsonDocument.Parse(first.Body))
        {
            json.RootElement.GetProperty("event").GetString().Should().Be("missed");
            json.RootElement.GetProperty("job").GetString().Should().Be("nightly");
            json.RootElement.GetProperty("max_age_seconds").GetInt64().Should().Be(86400);
            json.RootElement.GetProperty("last_success_at").GetDateTimeOffset().Should().Be(Now - TimeSpan.FromDays(3));
        }

        watch.IsMissed("nightly").Should().BeTrue();
        await AdvanceAsync(clock, TimeSpan.FromDays(2));
        watch.IsMissed("nightly").Should().BeTrue();
        _http.Requests.Should().ContainSingle("a missed schedule is told once, not every time the watch looks");

        watch.OnEvent(new RunEnded { Job = "nightly", At = clock.GetUtcNow(), Trigger = ManifestTrigger.Manual, StartedAt = clock.GetUtcNow(), Result = Succeeded(clock.GetUtcNow()) });
        watch.IsMissed("nightly").Should().BeFalse("a success clears it");
        await AdvanceAsync(clock, TimeSpan.FromHours(23));
        _http.Requests.Should().ContainSingle("within max_age of the success nothing is due");
        await AdvanceAsync(clock, TimeSpan.FromHours(2));
        await _http.WaitForAsync(2, Bound);
        watch.IsMissed("nightly").Should().BeTrue("the switch was armed again by the success and fired a day later");

        await stop.CancelAsync();
        await watching.WaitAsync(_timeout.Token);
        _log.Messages(Serilog.Events.LogEventLevel.Information).Should().Contain(m => m.Contains("succeeded again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Daemon_StartedWithAClockPastMaxAge_SendsOneMissedNotificationBeforeTheEngineAnswers()
    {
        var lastSuccess = Now - TimeSpan.FromDays(2);
        await File.WriteAllTextAsync(
            _state.Combine(StatusBook.FileName),
            $$"""{ "format_version": 1, "last_runs": { "nightly": { "run_id": "1a2b3c4d", "trigger": "schedule", "started_at": "{{lastSuccess.AddMinutes(-5):O}}", "finished_at": "{{lastSuccess:O}}", "status": "succeeded" } } }""",
            _timeout.Token);
        var clock = new FakeTimeProvider(Now);
        var engine = new TaskCompletionSource<AgentSession>();
        var daemon = new AgentDaemon(
            Policy(),
            new DaemonOptions { ControlPath = _state.Combine("control.sock"), ConfigPath = _state.Combine("backup.yml") },
            new LogBroadcast(),
            clock,
            _log.Logger,
            ct => engine.Task.WaitAsync(ct));
        using var stop = new CancellationTokenSource();

        var running = daemon.RunAsync(stop.Token);
        var missed = (await _http.WaitForAsync(1, Bound)).Single();
        await stop.CancelAsync();
        (await running.WaitAsync(_timeout.Token)).Should().Be(0);

        missed.Text.Should().Contain("\"event\":\"missed\"").And.Contain("since " + lastSuccess.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        _http.Requests.Should().ContainSingle();
        _log.Events.Should().Contain(e => e.Properties.ContainsKey("EventId") && e.Properties["EventId"].ToString().Contains(LogEvents.ScheduleMissed.Name, StringComparison.Ordinal));
    }

    private BackupPolicy Policy() => PolicyTestHelpers.Load(
        $$"""
        state_dir: {{_state.Path}}
        storage:
          local: { type: local, path: {{_state.Combine("backups")}} }
        notify:
          ops: { type: webhook, url: "{{_http.Url("/hook")}}", on: [missed] }
        jobs:
          nightly:
            schedule: "0 2 * * *"
            max_age: 1d
            sources: [{ volume: data }]
        """);

    private static RunResult Succeeded(DateTimeOffset at) => new()
    {
        Job = "nightly",
        RunId = RunId.Parse("5e6f7a8b"),
        Status = ManifestStatus.Succeeded,
        StartedAt = at,
        FinishedAt = at,
        SetName = "20260401T000000Z-5e6f7a8b",
        Artifacts = [],
    };

    /// <summary>Moves the clock by <paramref name="total"/>, a timer at a time, each time after the watch has armed its next wait.</summary>
    private async Task AdvanceAsync(FakeTimeProvider clock, TimeSpan total)
    {
        while (total > TimeSpan.Zero)
        {
            await clock.WaitUntilAsync(c => c.UntilNextTimer is not null, _timeout.Token);
            var step = clock.UntilNextTimer!.Value < total ? clock.UntilNextTimer.Value : total;
            clock.Advance(step);
            total -= step;
        }

        await clock.WaitUntilAsync(c => c.UntilNextTimer is not null, _timeout.Token);
    }
}
