using Serilog;
using VolumeAgent.Docker;

namespace VolumeAgent.Runs;

/// <summary>
/// Removes containers and volumes that an agent process created and did not live to remove (killed,
/// crashed, host rebooted). Work of a live process is left alone: its instance lock is still held.
/// </summary>
internal static class LeftoverSweeper
{
    public static async Task<int> SweepAsync(DockerClient docker, string stateDir, ILogger log, CancellationToken cancellationToken)
    {
        var owned = new Dictionary<string, string?> { [AgentLabels.Owner] = AgentLabels.OwnerValue };
        var removed = 0;
        foreach (var container in await docker.Containers.ListAsync(cancellationToken, all: true, labels: owned))
        {
            var instance = container.Labels?.GetValueOrDefault(AgentLabels.Instance) ?? string.Empty;
            if (AgentInstance.IsAlive(stateDir, instance))
            {
                continue;
            }

            await docker.Containers.RemoveAsync(container.Id, cancellationToken, force: true);
            log.Information(
                "Removed container {Container} that an interrupted run ({RunId}) left behind",
                container.DisplayName,
                container.Labels?.GetValueOrDefault(AgentLabels.RunId));
            removed++;
        }

        foreach (var volume in await docker.Volumes.ListAsync(cancellationToken, labels: owned))
        {
            var instance = volume.Labels?.GetValueOrDefault(AgentLabels.Instance) ?? string.Empty;
            if (AgentInstance.IsAlive(stateDir, instance))
            {
                continue;
            }

            await docker.Volumes.RemoveAsync(volume.Name, cancellationToken, force: true);
            log.Information("Removed scratch volume {Volume} that an interrupted run left behind", volume.Name);
            removed++;
        }

        return removed;
    }
}
