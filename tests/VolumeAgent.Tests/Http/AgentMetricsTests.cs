using VolumeAgent.Control.Status;
using VolumeAgent.Http.Metrics;
using VolumeAgent.Manifest;
using VolumeAgent.Operations;
using VolumeAgent.Restore;
using VolumeAgent.Restore.Verification;
using VolumeAgent.Tests.Control;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Http;

/// <summary>/metrics is written from the status report (what status --json prints) and the run metrics book.</summary>
public sealed class AgentMetricsTests
{
    [Fact]
    public void Write_JobWithLastRun_ExportsTheStatusReportsValues()
    {
        var policy = PolicyTestHelpers.Load(PolicyTestHelpers.Minimal);
        var last = ControlTestData.Run(RunRecord.Failed, "boom") with { RawBytes = 9_000_000 };
        var status = Status(new JobStatus { Job = "nightly", Schedule = "0 2 * * *", NextRun = ControlTestData.Start.AddDays(1), LastRun = last });

        var text = AgentMetrics.Write(policy, status, new RunMetricsBook([]).Snapshot());

        text.Should().Contain("volume_agent_job_last_run_start_timestamp_seconds{job=\"nightly\"} 1774744200\n")
            .And.Contain("volume_agent_job_last_run_end_timestamp_seconds{job=\"nightly\"} 1774744275\n")
            .And.Contain("volume_agent_job_last_run_duration_seconds{job=\"nightly\"} 75\n")
            .And.Contain("volume_agent_job_last_run_success{job=\"nightly\"} 0\n")
            .And.Contain("volume_agent_job_last_run_status{job=\"nightly\",status=\"failed\"} 1\n")
            .And.Contain("volume_agent_job_last_run_raw_bytes{job=\"nightly\"} 9000000\n")
            .And.Contain("volume_agent_job_last_run_stored_bytes{job=\"nightly\"} 1500000\n")
            .And.Contain("volume_agent_job_last_run_artifacts{job=\"nightly\"} 2\n")
            .And.Contain("volume_agent_job_last_run_failed_artifacts{job=\"nightly\"} 1\n")
            .And.Contain("volume_agent_job_next_run_timestamp_seconds{job=\"nightly\"} 1774830600\n")
            .And.Contain("volume_agent_job_scheduled{job=\"nightly\"} 1\n")
            .And.Contain("volume_agent_job_storage_info{job=\"nightly\",storage=\"local\"} 1\n")
            .And.Contain("volume_agent_build_info{version=\"1.2.3\"} 1\n")
            .And.NotContain("volume_agent_job_last_success_timestamp_seconds", "the job has not succeeded since the daemon started")
            .And.NotContain("notification_failures_total{", "no notify target is configured");
        text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void Write_AfterEvents_CountsRunsRetentionAndVerification()
    {
        var policy = PolicyTestHelpers.Load(PolicyTestHelpers.Minimal);
        var book = new RunMetricsBook([new JobStatus { Job = "nightly", LastRun = ControlTestData.Run(RunRecord.Succeeded) }]);
        book.OnEvent(new RetentionApplied { Job = "nightly", At = ControlTestData.Start, Storage = "local", Kept = ["a", "b"], Pruned = ["c"] });
        book.OnEvent(new RetentionApplied { Job = "nightly", At = ControlTestData.Start, Storage = "local", Kept = ["a", "b", "d"], Pruned = ["e", "f"] });
        book.OnEvent(new RunEnded { Job = "nightly", At = ControlTestData.Start, Trigger = ManifestTrigger.Manual, StartedAt = ControlTestData.Start, Error = "boom" });
        book.OnEvent(new RunEnded { Job = "nightly", At = ControlTestData.Start, Trigger = ManifestTrigger.Manual, StartedAt = ControlTestData.Start, Cancelled = true });
        book.OnEvent(Verified(drill: true, ManifestStatus.Failed));

        var text = AgentMetrics.Write(policy, Status(new JobStatus { Job = "nightly" }), book.Snapshot());

        text.Should().Contain("volume_agent_job_last_success_timestamp_seconds{job=\"nightly\"} 1774744275\n", "the last success comes from status.json at start")
            .And.Contain("volume_agent_job_runs_total{job=\"nightly\",outcome=\"cancelled\"} 1\n")
            .And.Contain("volume_agent_job_runs_total{job=\"nightly\",outcome=\"failed\"} 1\n")
            .And.Contain("volume_agent_retention_deleted_sets_total{job=\"nightly\",storage=\"local\"} 3\n")
            .And.Contain("volume_agent_retention_kept_sets{job=\"nightly\",storage=\"local\"} 3\n")
            .And.Contain("volume_agent_verification_success{job=\"nightly\",storage=\"local\",kind=\"drill\"} 0\n")
            .And.Contain("volume_agent_verification_timestamp_seconds{job=\"nightly\",storage=\"local\",kind=\"drill\"} 1774744260\n")
            .And.NotContain("volume_agent_job_next_run_timestamp_seconds", "a job without a schedule has no next run")
            .And.Contain("volume_agent_job_scheduled{job=\"nightly\"} 0\n");
    }

    [Fact]
    public void Write_NotifyTargets_ExportsEachOnesFailedDeliveries()
    {
        var policy = PolicyTestHelpers.Load(PolicyTestHelpers.Minimal);
        var status = Status(new JobStatus { Job = "nightly" }) with
        {
            NotificationFailures = new Dictionary<string, long> { ["ops"] = 2, ["chat"] = 0 },
        };

        var text = AgentMetrics.Write(policy, status, new RunMetricsBook([]).Snapshot());

        text.Should().Contain("# TYPE volume_agent_notification_failures_total counter\n")
            .And.Contain("volume_agent_notification_failures_total{target=\"chat\"} 0\nvolume_agent_notification_failures_total{target=\"ops\"} 2\n");
    }

    private static AgentStatus Status(JobStatus job) => new()
    {
        DaemonRunning = true,
        AgentVersion = "1.2.3",
        DaemonStartedAt = ControlTestData.Start,
        EngineConnected = true,
        GeneratedAt = ControlTestData.Start.AddHours(1),
        Jobs = [job],
    };

    private static VerificationEnded Verified(bool drill, ManifestStatus status)
    {
        var set = new VolumeAgent.Manifest.Sets.BackupSetInfo
        {
            Job = "nightly",
            DirectoryName = "20260329T003000Z-1a2b3c4d",
            RunId = RunId.Parse("1a2b3c4d"),
            StartedAt = ControlTestData.Start,
            State = VolumeAgent.Manifest.Sets.BackupSetState.Complete,
            TotalStoredBytes = 1,
            ArtifactCount = 1,
        };
        return new VerificationEnded
        {
            Job = "nightly",
            At = ControlTestData.Start,
            Set = new StoredSet("local", null!, set),
            Drill = drill,
            Result = new VerificationResult
            {
                Storage = "local",
                SetName = set.DirectoryName,
                Kind = drill ? ManifestVerificationKind.Drill : ManifestVerificationKind.Verify,
                Status = status,
                VerifiedAt = ControlTestData.Start.AddMinutes(1),
                Artifacts = [],
                Problems = [],
                Details = "checked",
            },
        };
    }
}
