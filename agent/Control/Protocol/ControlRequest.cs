namespace VolumeAgent.Control.Protocol;

/// <summary>
/// The one line a client sends on the control socket:
/// <c>{"protocol":1,"command":"run-now","args":["nightly"],"config":"/etc/volume-agent/backup.yml","state_dir":"/var/lib/volume-agent"}</c>.
/// The daemon answers with a stream of <see cref="ControlEvent"/> lines ending with an <c>exit</c> event.
/// </summary>
internal sealed record ControlRequest
{
    public const int CurrentProtocol = 1;

    // Settable rather than init-only: the JSON reader then keeps these defaults for members a request leaves out.
    public int Protocol { get; set; } = CurrentProtocol;

    /// <summary>One of <see cref="ControlCommands"/>.</summary>
    public required string Command { get; init; }

    /// <summary>The command's arguments, as on the command line (job names).</summary>
    public IReadOnlyList<string> Args { get; set; } = [];

    /// <summary>Stream every log line of the run, not only warnings and errors.</summary>
    public bool Verbose { get; set; }

    /// <summary>
    /// The real path of the backup.yml the command was given (<see cref="ConfigIdentity"/>); a daemon of another
    /// configuration refuses the request. Left out (a request written by hand), any daemon answers.
    /// </summary>
    public string? Config { get; set; }

    /// <summary>The real path of that file's state_dir; left out when the command could not read the file.</summary>
    public string? StateDir { get; set; }

    /// <summary>The identity the request was made for; null for a request without one.</summary>
    public ConfigIdentity? Identity() => Config is null ? null : new ConfigIdentity(Config, StateDir);
}
