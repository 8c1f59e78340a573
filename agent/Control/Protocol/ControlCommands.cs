namespace VolumeAgent.Control.Protocol;

/// <summary>The commands the daemon serves on its control socket.</summary>
internal static class ControlCommands
{
    /// <summary>Run the jobs named in the arguments (all when none), streaming their progress.</summary>
    public const string RunNow = "run-now";

    /// <summary>One <c>status</c> event: every job's last run and next scheduled run.</summary>
    public const string Status = "status";

    /// <summary>One <c>health</c> event; exit code 0 when healthy.</summary>
    public const string Health = "health";

    /// <summary>The backup sets in the daemon's storages, as <c>message</c> lines.</summary>
    public const string List = "list";

    /// <summary>A summary of the configuration the daemon runs with, as <c>message</c> lines.</summary>
    public const string Validate = "validate";

    public static IReadOnlyList<string> All { get; } = [RunNow, Status, Health, List, Validate];
}
