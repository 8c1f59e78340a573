namespace VolumeAgent.Control;

/// <summary>
/// The one line a client sends on the control socket: <c>{"protocol":1,"command":"run-now","args":["nightly"]}</c>.
/// The daemon answers with a stream of <see cref="ControlEvent"/> lines ending with an <c>exit</c> event.
/// </summary>
internal sealed record ControlRequest
{
    public const int CurrentProtocol = 1;

    public int Protocol { get; init; } = CurrentProtocol;

    /// <summary>One of <see cref="ControlCommands"/>.</summary>
    public required string Command { get; init; }

    /// <summary>The command's arguments, as on the command line (job names).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Stream every log line of the run, not only warnings and errors.</summary>
    public bool Verbose { get; init; }
}
