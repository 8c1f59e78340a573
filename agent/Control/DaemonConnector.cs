using VolumeAgent.Policy;

namespace VolumeAgent.Control;

/// <summary>How the command line finds a running daemon: the control socket paths of <see cref="ControlEndpoint.ForClient"/>.</summary>
internal static class DaemonConnector
{
    /// <summary>
    /// A connection to the daemon, or null when none answers. The configuration is read only for its state_dir
    /// (the fallback socket's folder); a file the client cannot read does not stop it from reaching the daemon.
    /// </summary>
    /// <exception cref="InvalidOperationException">A daemon's socket exists but this user may not use it.</exception>
    public static async Task<ControlClient?> TryConnectAsync(string configPath, CancellationToken cancellationToken)
    {
        try
        {
            return await ControlClient.TryConnectAnyAsync(Paths(configPath), cancellationToken);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    public static IReadOnlyList<string> Paths(string configPath) => ControlEndpoint.ForClient(TryReadStateDir(configPath));

    private static string? TryReadStateDir(string configPath)
    {
        try
        {
            return PolicyLoader.LoadFile(configPath).StateDir;
        }
        catch (PolicyException)
        {
            return null;
        }
    }
}
