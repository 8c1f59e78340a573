namespace VolumeAgent.Control.Protocol;

/// <summary>Values of <see cref="ControlEvent.Type"/>.</summary>
internal static class ControlEventTypes
{
    /// <summary>A log line of the daemon about the request's work: level, job, run id, message.</summary>
    public const string Log = "log";

    /// <summary>A line of text for the user's terminal (stdout).</summary>
    public const string Message = "message";

    /// <summary>One artifact of a run finished: file, status, sizes, duration, error.</summary>
    public const string Artifact = "artifact";

    /// <summary>One run finished: job, run id, status, set, sizes, error.</summary>
    public const string Result = "result";

    /// <summary>The daemon's status report (<see cref="ControlEvent.Report"/>).</summary>
    public const string Status = "status";

    /// <summary>The daemon's health: <see cref="ControlEvent.Healthy"/> and <see cref="ControlEvent.Problems"/>.</summary>
    public const string Health = "health";

    /// <summary>
    /// The daemon runs another configuration than the request's and did nothing: its own in
    /// <see cref="ControlEvent.Config"/> and <see cref="ControlEvent.StateDir"/>, and a <see cref="ControlEvent.Message"/>.
    /// The first and only event before <c>exit</c> (code 2).
    /// </summary>
    public const string OtherConfig = "other_config";

    /// <summary>The request failed; <see cref="ControlEvent.Message"/> says why (stderr).</summary>
    public const string Error = "error";

    /// <summary>The last event of every answer, with the command's exit <see cref="ControlEvent.Code"/>.</summary>
    public const string Exit = "exit";
}
