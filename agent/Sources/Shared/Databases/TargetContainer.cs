using VolumeAgent.Docker.Models;
using VolumeAgent.Sources;
using VolumeAgent.Restore;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>The database container a restore writes into.</summary>
internal static class TargetContainer
{
    /// <summary>Its name for messages; refuses one that is not running.</summary>
    public static string RequireRunning(ContainerInspect container)
    {
        ArgumentNullException.ThrowIfNull(container);
        var name = ContainerResolver.NameOf(container);
        if (container.State is not { Running: true })
        {
            throw new RestoreRefusedException($"Container {name} is not running ({container.State?.Status ?? "unknown"}); databases are restored into a running server. Start it and try again.");
        }

        return name;
    }
}
