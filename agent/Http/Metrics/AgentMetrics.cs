using VolumeAgent.Control.Status;
using VolumeAgent.Policy;

namespace VolumeAgent.Http.Metrics;

/// <summary>
/// The exposition of <c>/metrics</c> (every family is described in docs/metrics.md): the per-job values come from
/// the same <see cref="AgentStatus"/> that <c>status --json</c> prints, so the two always agree; counts since the
/// daemon started come from <see cref="RunMetricsBook"/>; notification failures from the report's per-target count.
/// </summary>
internal static class AgentMetrics
{
    public const string Prefix = "volume_agent_";

    public static string Write(BackupPolicy policy, AgentStatus status, RunMetricsSnapshot counts)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(counts);
        var writer = new PrometheusWriter();
        writer.Gauge(Prefix + "build_info", "The agent's version; always 1.", [MetricSample.Of(1, ("version", status.AgentVersion ?? AgentInfo.Version))]);
        writer.Gauge(Prefix + "daemon_start_timestamp_seconds", "When the daemon started (Unix time).", Optional(status.DaemonStartedAt, t => MetricSample.Of(Seconds(t))));
        writer.Gauge(Prefix + "engine_connected", "1 when the daemon has reached the Docker engine.", [MetricSample.Of(status.EngineConnected ? 1 : 0)]);

        var jobs = status.Jobs;
        var last = jobs.Where(j => j.LastRun is not null).Select(j => (Job: j.Job, Run: j.LastRun!)).ToList();
        writer.Gauge(Prefix + "job_running", "1 while a run of the job is going on.", jobs.Select(j => Job(j.Job, j.Running is null ? 0 : 1)));
        writer.Gauge(Prefix + "job_scheduled", "1 when the job has a schedule; 0 when it runs only on demand (run-now, the HTTP API).", jobs.Select(j => Job(j.Job, j.Schedule is null ? 0 : 1)));
        writer.Gauge(Prefix + "job_next_run_timestamp_seconds", "The job's next scheduled start (Unix time, before jitter); absent for a job without a schedule.", jobs.Where(j => j.NextRun is not null).Select(j => Job(j.Job, Seconds(j.NextRun!.Value))));
        writer.Gauge(Prefix + "job_last_run_start_timestamp_seconds", "When the job's last run started (Unix time).", last.Select(l => Job(l.Job, Seconds(l.Run.StartedAt))));
        writer.Gauge(Prefix + "job_last_run_end_timestamp_seconds", "When the job's last run ended (Unix time).", last.Where(l => l.Run.FinishedAt is not null).Select(l => Job(l.Job, Seconds(l.Run.FinishedAt!.Value))));
        writer.Gauge(Prefix + "job_last_run_duration_seconds", "How long the job's last run took.", last.Where(l => l.Run.Duration is not null).Select(l => Job(l.Job, l.Run.Duration!.Value.TotalSeconds)));
        writer.Gauge(Prefix + "job_last_run_success", "1 when the job's last run succeeded, 0 when it failed or is incomplete.", last.Select(l => Job(l.Job, l.Run.IsFailure ? 0 : 1)));
        writer.Gauge(
            Prefix + "job_last_run_status",
            "The job's last run's status as a label (succeeded, failed, incomplete); always 1.",
            last.Select(l => MetricSample.Of(1, ("job", l.Job), ("status", l.Run.Status))));
        writer.Gauge(Prefix + "job_last_run_raw_bytes", "Bytes the job's last run read from its sources, before compression.", last.Select(l => Job(l.Job, l.Run.RawBytes)));
        writer.Gauge(Prefix + "job_last_run_stored_bytes", "Bytes the job's last run stored (after compression and encryption), per copy.", last.Select(l => Job(l.Job, l.Run.StoredBytes)));
        writer.Gauge(Prefix + "job_last_run_artifacts", "Artifacts of the job's last run.", last.Select(l => Job(l.Job, l.Run.Artifacts)));
        writer.Gauge(Prefix + "job_last_run_failed_artifacts", "Artifacts of the job's last run that failed.", last.Select(l => Job(l.Job, l.Run.FailedArtifacts)));
        writer.Gauge(
            Prefix + "job_last_success_timestamp_seconds",
            "When the job's last successful run ended (Unix time), as far as the daemon knows: since it started, or its last run in status.json.",
            counts.LastSuccess.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Job(p.Key, Seconds(p.Value))));
        writer.Counter(
            Prefix + "job_skipped_runs_total",
            "Scheduled runs skipped since the daemon started because a run of the job was still going.",
            jobs.Where(j => j.Skipped is not null).Select(j => Job(j.Job, j.Skipped!.Count)));
        writer.Counter(
            Prefix + "job_runs_total",
            "Runs of the job that ended since the daemon started, by outcome (succeeded, failed, cancelled).",
            counts.Runs.OrderBy(p => p.Key).Select(p => MetricSample.Of(p.Value, ("job", p.Key.Job), ("outcome", p.Key.Outcome))));

        var verifications = counts.Verifications.OrderBy(p => p.Key).ToList();
        writer.Gauge(
            Prefix + "verification_success",
            "1 when the last check (kind verify or drill) of the job's newest set in the storage succeeded, else 0; since the daemon started.",
            verifications.Select(p => MetricSample.Of(p.Value.Succeeded ? 1 : 0, ("job", p.Key.Job), ("storage", p.Key.Storage), ("kind", p.Value.Kind))));
        writer.Gauge(
            Prefix + "verification_timestamp_seconds",
            "When that check ran (Unix time); its age is time() minus this.",
            verifications.Select(p => MetricSample.Of(Seconds(p.Value.At), ("job", p.Key.Job), ("storage", p.Key.Storage), ("kind", p.Value.Kind))));

        var retention = counts.Retention.OrderBy(p => p.Key).ToList();
        writer.Counter(
            Prefix + "retention_deleted_sets_total",
            "Sets of the job that retention deleted from the storage since the daemon started.",
            retention.Select(p => MetricSample.Of(p.Value.Deleted, ("job", p.Key.Job), ("storage", p.Key.Storage))));
        writer.Gauge(
            Prefix + "retention_kept_sets",
            "Sets of the job that retention's last pass kept in the storage.",
            retention.Select(p => MetricSample.Of(p.Value.Kept, ("job", p.Key.Job), ("storage", p.Key.Storage))));
        writer.Counter(
            Prefix + "notification_failures_total",
            "Notifications to the target that were not delivered after every retry, since the daemon started.",
            (status.NotificationFailures ?? new Dictionary<string, long>())
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => MetricSample.Of(p.Value, ("target", p.Key))));
        writer.Gauge(
            Prefix + "job_storage_info",
            "The storages each job writes to; always 1.",
            policy.Jobs.SelectMany(j => j.StorageNames.Select(s => MetricSample.Of(1, ("job", j.Name), ("storage", s)))));
        return writer.ToString();
    }

    private static MetricSample Job(string job, double value) => MetricSample.Of(value, ("job", job));

    private static double Seconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;

    private static IEnumerable<MetricSample> Optional<T>(T? value, Func<T, MetricSample> sample)
        where T : struct => value is { } v ? [sample(v)] : [];
}
