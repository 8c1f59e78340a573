using System.Globalization;
using VolumeAgent.Manifest;
using VolumeAgent.Policy;

namespace VolumeAgent.Control.Status;

/// <summary>
/// The daemon is healthy when it is connected to the engine, no run has gone without progress for longer than its
/// job's stall_timeout, and no job's last run failed; the problems say which job and why, for <c>docker inspect</c>'s
/// health log.
/// </summary>
internal static class HealthCheck
{
    public static IReadOnlyList<string> Problems(AgentStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var problems = new List<string>();
        if (!status.DaemonRunning)
        {
            problems.Add("the daemon is not running");
        }
        else if (!status.EngineConnected)
        {
            problems.Add("the daemon has not reached the Docker engine yet");
        }

        foreach (var job in status.Jobs)
        {
            if (job.Running is { } running && running.StalledFor(status.GeneratedAt) is { } idle)
            {
                problems.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"job {job.Job}: its {running.Trigger} run (since {running.Since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z) has made no progress for {StatusFormatter.Duration(idle)} "
                    + $"(stall_timeout {Duration.Format(running.StallTimeout!.Value)}){(running.Step is null ? string.Empty : ": " + running.Step)}"));
            }

            if (job.LastRun is { IsFailure: true } run)
            {
                problems.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"job {job.Job}: the last run ({run.RunId}, {run.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z) {run.Status}{(run.Error is null ? string.Empty : ": " + run.Error)}"));
            }
        }

        return problems;
    }
}
