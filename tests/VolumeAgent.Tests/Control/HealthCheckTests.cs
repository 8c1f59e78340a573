
using VolumeAgent.Control.Status;

namespace VolumeAgent.Tests.Control;

public sealed class HealthCheckTests
{
    public static TheoryData<string, bool, string?, string?, string[]> Cases => new()
    {
        { "no runs yet", true, null, null, [] },
        { "every last run succeeded", true, RunRecord.Succeeded, RunRecord.Succeeded, [] },
        { "one last run failed", true, RunRecord.Succeeded, RunRecord.Failed, ["job b: the last run (1a2b3c4d, 2026-03-29 00:30:00Z) failed: broke"] },
        { "engine not reached", false, null, null, ["the daemon has not reached the Docker engine yet"] },
        {
            "both failed and engine not reached", false, RunRecord.Failed, RunRecord.Failed,
            ["the daemon has not reached the Docker engine yet", "job a: the last run (1a2b3c4d, 2026-03-29 00:30:00Z) failed: broke", "job b: the last run (1a2b3c4d, 2026-03-29 00:30:00Z) failed: broke"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Problems_ByEngineAndLastRuns_NameEachProblem(string scenario, bool engine, string? lastA, string? lastB, string[] expected)
    {
        var status = new AgentStatus
        {
            DaemonRunning = true,
            EngineConnected = engine,
            GeneratedAt = ControlTestData.Start,
            Jobs =
            [
                new JobStatus { Job = "a", LastRun = lastA is null ? null : ControlTestData.Run(lastA, "broke") },
                new JobStatus { Job = "b", LastRun = lastB is null ? null : ControlTestData.Run(lastB, "broke") },
            ],
        };

        HealthCheck.Problems(status).Should().Equal(expected, scenario);
    }

    [Fact]
    public void Problems_RunWithoutProgressPastItsStallTimeout_NamesTheJobTheTimeAndTheStep()
    {
        var status = new AgentStatus
        {
            DaemonRunning = true,
            EngineConnected = true,
            GeneratedAt = ControlTestData.Start.AddSeconds(75),
            Jobs =
            [
                new JobStatus { Job = "stuck", Running = Running(lastProgress: ControlTestData.Start.AddSeconds(5), step: "pg_dump of database 'app' in container db") },
                new JobStatus { Job = "busy", Running = Running(lastProgress: ControlTestData.Start.AddSeconds(74), step: "volume data") },
                new JobStatus { Job = "edge", Running = Running(lastProgress: ControlTestData.Start.AddSeconds(15), step: null) },
            ],
        };

        HealthCheck.Problems(status).Should().Equal(
            "job stuck: its schedule run (since 2026-03-29 00:30:00Z) has made no progress for 1m 10s (stall_timeout 1m): pg_dump of database 'app' in container db");
    }

    private static RunningRun Running(DateTimeOffset lastProgress, string? step) => new()
    {
        Trigger = "schedule",
        Since = ControlTestData.Start,
        LastProgressAt = lastProgress,
        StallTimeoutSeconds = 60,
        Step = step,
    };

    [Fact]
    public void Problems_NoDaemon_IsUnhealthy()
    {
        var status = new AgentStatus { DaemonRunning = false, GeneratedAt = ControlTestData.Start, Jobs = [] };

        HealthCheck.Problems(status).Should().Equal("the daemon is not running");
    }
}
