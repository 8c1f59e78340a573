namespace VolumeAgent.Control;

/// <summary>
/// The one line a client sends on the control socket: <c>{"protocol":1,"command":"run-now","args":["nightly"]}</c>.
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
}
