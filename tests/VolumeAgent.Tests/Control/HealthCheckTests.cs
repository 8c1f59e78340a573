using VolumeAgent.Control;

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
    public void Problems_NoDaemon_IsUnhealthy()
    {
        var status = new AgentStatus { DaemonRunning = false, GeneratedAt = ControlTestData.Start, Jobs = [] };

        HealthCheck.Problems(status).Should().Equal("the daemon is not running");
    }
}
