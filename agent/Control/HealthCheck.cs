using System.Globalization;

namespace VolumeAgent.Control;

/// <summary>
/// The daemon is healthy when it is connected to the engine and no job's last run failed; the problems say
/// which job and why, for <c>docker inspect</c>'s health log.
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
