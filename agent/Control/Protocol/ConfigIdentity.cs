using VolumeAgent.IO;

namespace VolumeAgent.Control.Protocol;

/// <summary>
/// Which configuration a daemon runs, or a command means: the real path of its backup.yml and of its state_dir
/// (null when the command could not read its file). A command sends its own with every request on the control
/// socket; the daemon answers only requests of its own configuration (<see cref="Serves"/>).
/// </summary>
internal sealed record ConfigIdentity(string Config, string? StateDir)
{
    /// <summary>The identity of the file at <paramref name="configPath"/> (any path to it) whose state_dir is <paramref name="stateDir"/>.</summary>
    public static ConfigIdentity Of(string configPath, string? stateDir) =>
        new(RealPath.Of(configPath), stateDir is null ? null : RealPath.Of(stateDir));

    /// <summary>
    /// Whether a daemon of this configuration is the one for a command of <paramref name="client"/>'s: the same
    /// file, however the command named it, or the same state directory (one agent per state directory: its job
    /// locks, stop journal and status live there).
    /// </summary>
    public bool Serves(ConfigIdentity client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return string.Equals(Config, client.Config, StringComparison.Ordinal)
            || (client.StateDir is not null && string.Equals(StateDir, client.StateDir, StringComparison.Ordinal));
    }

    /// <summary>"/etc/volume-agent/backup.yml (state_dir /var/lib/volume-agent)".</summary>
    public override string ToString() => StateDir is null ? Config : $"{Config} (state_dir {StateDir})";
}
