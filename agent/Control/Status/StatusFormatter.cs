using System.Globalization;
using VolumeAgent.Presentation;

namespace VolumeAgent.Control.Status;

/// <summary>
/// The text of <c>volume-agent status</c>: a line about the daemon, a table of jobs, then the errors of failed runs and
/// the scheduled runs skipped because one was still going.
/// </summary>
internal static class StatusFormatter
{
    private static readonly string[] Header = ["JOB", "LAST RUN", "RESULT", "SIZE", "DURATION", "NEXT RUN"];

    public static void Write(TextWriter output, AgentStatus status)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(status);
        var zone = FindZone(status.TimeZone);
        output.WriteLine(status.DaemonRunning
            ? $"daemon: running since {Time(status.DaemonStartedAt, zone)} (volume-agent {status.AgentVersion}), "
              + (status.EngineConnected ? "Docker engine connected" : "waiting for the Docker engine")
              + (status.Node is null ? string.Empty : $", Swarm node {status.Node}")
            : "daemon not running: last runs read from the storages, next runs computed from the schedules.");
        if (status.Jobs.Count == 0)
        {
            output.WriteLine("No jobs are configured.");
            return;
        }

        var rows = new List<string[]> { Header };
        foreach (var job in status.Jobs)
        {
            var last = job.LastRun;
            rows.Add(
            [
                job.Job,
                last is null ? "never" : Time(last.StartedAt, zone),
                Result(job, status.GeneratedAt),
                last is null ? "-" : Bytes.Format(last.StoredBytes),
                last?.Duration is { } duration ? Duration(duration) : "-",
                job.Schedule is null ? "on demand" : job.NextRun is null ? "never" : Time(job.NextRun, zone),
            ]);
        }

        TextTable.Write(output, rows);
        foreach (var job in status.Jobs.Where(j => j.LastRun is { IsFailure: true, Error: not null }))
        {
            output.WriteLine($"{job.Job}: {job.LastRun!.Error}");
        }

        foreach (var job in status.Jobs.Where(j => j.Skipped is not null))
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{job.Job}: {job.Skipped!.Count} scheduled run(s) skipped since the daemon started because a run of the job was still going, the last at {Time(job.Skipped.LastAt, zone)}"));
        }

        var zoneName = zone == TimeZoneInfo.Utc ? "UTC" : zone.Id;
        output.WriteLine($"Times are in {zoneName}.");
    }

    internal static string Duration(TimeSpan duration) => duration.TotalSeconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s")
        : duration.TotalHours < 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes}m {duration.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours}h {duration.Minutes:00}m");

    private static string Result(JobStatus job, DateTimeOffset now)
    {
        if (job.Running is { } running)
        {
            return running.StalledFor(now) is { } idle ? $"running ({running.Trigger}), no progress for {Duration(idle)}" : $"running ({running.Trigger})";
        }

        if (job.LastRun is not { } last)
        {
            return "-";
        }

        return last.FailedArtifacts > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{last.Status} ({last.FailedArtifacts} of {last.Artifacts} artifacts failed)")
            : last.Status;
    }

    private static string Time(DateTimeOffset? instant, TimeZoneInfo zone) =>
        instant is { } value ? TimeZoneInfo.ConvertTime(value, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "-";

    private static TimeZoneInfo FindZone(string? id)
    {
        if (id is null)
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    }
}
