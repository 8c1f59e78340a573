using VolumeAgent.Control.Protocol;

namespace VolumeAgent.Control.Daemon;

/// <summary>Knobs of the daemon that are not part of backup.yml.</summary>
internal sealed record DaemonOptions
{
    public static readonly TimeSpan DefaultShutdownGrace = TimeSpan.FromSeconds(30);

    /// <summary>How long running jobs get to stop cleanly after SIGTERM before the daemon exits anyway.</summary>
    public TimeSpan ShutdownGrace { get; init; } = DefaultShutdownGrace;

    /// <summary>How long the daemon waits for the Docker engine to answer at start.</summary>
    public TimeSpan EnginePatience { get; init; } = SessionOpener.DefaultPatience;

    /// <summary>The control socket's path; see <see cref="ControlEndpoint.ForDaemon"/>.</summary>
    public required string ControlPath { get; init; }

    /// <summary>The config file's path: the daemon serves commands given this file (<see cref="ConfigIdentity"/>).</summary>
    public required string ConfigPath { get; init; }
}
