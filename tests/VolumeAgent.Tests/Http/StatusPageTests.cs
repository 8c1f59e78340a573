using VolumeAgent.Control.Status;
using VolumeAgent.Http.Page;
using VolumeAgent.Presentation;
using VolumeAgent.Tests.Control;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Http;

public sealed class StatusPageTests
{
    [Fact]
    public void Render_EncodesEveryTextAndShowsTheFailedRunAndSets()
    {
        var policy = PolicyTestHelpers.Load(PolicyTestHelpers.Minimal);
        var status = new AgentStatus
        {
            DaemonRunning = true,
            AgentVersion = "1.2.3",
            EngineConnected = true,
            GeneratedAt = ControlTestData.Start,
            Jobs = [new JobStatus { Job = "nightly", LastRun = ControlTestData.Run(RunRecord.Failed, "<script>alert(1)</script> & more") }],
        };
        var sets = new SetList
        {
            Sets =
            [
                new SetEntry
                {
                    Storage = "local", Job = "nightly", Set = "20260329T003000Z-1a2b3c4d", RunId = "1a2b3c4d", Tag = "gallery-42",
                    StartedAt = ControlTestData.Start, FinishedAt = ControlTestData.Start.AddSeconds(75), Status = "failed",
                    StoredBytes = 1_500_000, Artifacts = 2,
                },
            ],
        };

        var html = StatusPage.Render(policy, status, sets);

        html.Should().StartWith("<!DOCTYPE html>").And.NotContain("<script").And.NotContain("src=").And.NotContain("href=");
        html.Should().Contain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more");
        html.Should().Contain("<h2>nightly</h2>").And.Contain("unhealthy").And.Contain("on demand").And.Contain("gallery-42").And.Contain("storage local: 1 set(s)");
    }
}
