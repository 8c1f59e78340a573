
using VolumeAgent.Control.Status;

namespace VolumeAgent.Tests.Control;

public sealed class StatusFormatterTests
{
    [Fact]
    public void Write_DaemonReport_ShowsEachJobInThePolicyZone()
    {
        var status = new AgentStatus
        {
            DaemonRunning = true,
            AgentVersion = "1.2.3",
            DaemonStartedAt = ControlTestData.Start,
            EngineConnected = true,
            TimeZone = "Europe/Berlin",
            GeneratedAt = ControlTestData.Start,
            Jobs =
            [
                new JobStatus { Job = "nightly", Schedule = "0 3 * * *", NextRun = new DateTimeOffset(2026, 3, 30, 1, 0, 0, TimeSpan.Zero), LastRun = ControlTestData.Run(RunRecord.Succeeded) },
                new JobStatus { Job = "broken", Schedule = "@hourly", NextRun = new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), LastRun = ControlTestData.Run(RunRecord.Failed, "disk full") },
                new JobStatus { Job = "manual", Running = new RunningRun { Trigger = "manual", Since = ControlTestData.Start } },
            ],
        };
        using var output = new StringWriter();

        StatusFormatter.Write(output, status);

        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            "daemon: running since 2026-03-29 01:30 (volume-agent 1.2.3), Docker engine connected",
            "JOB      LAST RUN          RESULT                            SIZE    DURATION  NEXT RUN",
            "nightly  2026-03-29 01:30  succeeded                         1.5 MB  1m 15s    2026-03-30 03:00",
            "broken   2026-03-29 01:30  failed (1 of 2 artifacts failed)  1.5 MB  1m 15s    2026-03-29 03:00",
            "manual   never             running (manual)                  -       -         on demand",
            "broken: disk full",
            "Times are in Europe/Berlin.");
    }

    [Fact]
    public void Write_StalledRunAndSkippedScheduledRuns_AreShown()
    {
        var status = new AgentStatus
        {
            DaemonRunning = true,
            AgentVersion = "1.2.3",
            DaemonStartedAt = ControlTestData.Start,
            EngineConnected = true,
            TimeZone = "UTC",
            GeneratedAt = ControlTestData.Start.AddMinutes(10),
            Jobs =
            [
                new JobStatus
                {
                    Job = "nightly",
                    Schedule = "*/5 * * * *",
                    NextRun = ControlTestData.Start.AddMinutes(15),
                    Running = new RunningRun { Trigger = "schedule", Since = ControlTestData.Start, LastProgressAt = ControlTestData.Start.AddSeconds(30), StallTimeoutSeconds = 300 },
                    Skipped = new SkippedRuns { Count = 2, LastAt = ControlTestData.Start.AddMinutes(10) },
                },
            ],
        };
        using var output = new StringWriter();

        StatusFormatter.Write(output, status);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[2].Should().Contain("running (schedule), no progress for 9m 30s");
        lines.Should().Contain("nightly: 2 scheduled run(s) skipped since the daemon started because a run of the job was still going, the last at 2026-03-29 00:40");
    }

    [Fact]
    public void Write_WithoutDaemon_SaysSo()
    {
        var status = new AgentStatus { DaemonRunning = false, GeneratedAt = ControlTestData.Start, TimeZone = "UTC", Jobs = [new JobStatus { Job = "a", Schedule = "0 2 * * *" }] };
        using var output = new StringWriter();

        StatusFormatter.Write(output, status);

        output.ToString().Should().StartWith("daemon not running: last runs read from the storages");
        output.ToString().Should().Contain("a    never     -       -     -         never");
    }

    [Theory]
    [InlineData(12.34, "12.3 s")]
    [InlineData(75, "1m 15s")]
    [InlineData(3725, "1h 02m")]
    public void Duration_ByLength_UsesTheLargestSensibleUnit(double seconds, string expected)
    {
        StatusFormatter.Duration(TimeSpan.FromSeconds(seconds)).Should().Be(expected);
    }
}
