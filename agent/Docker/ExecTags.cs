using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker;

/// <summary>A stoppable exec running in a container, as the engine lists it, and the agent instance that started it.</summary>
internal sealed record TaggedExec(string ContainerId, string ExecId, string Owner, string Tag, string Program);

/// <summary>
/// The name each stoppable exec carries (<see cref="ExecStartOptions.StopOnDispose"/>): <c>volume-agent-exec:OWNER:ID</c>,
/// both the value of the marker variable its processes inherit and the $0 of the shell that starts it, which the
/// engine's exec inspect shows. OWNER is the agent instance of this process (<see cref="Owner"/>): the engine does not
/// end an exec whose client went away (it reads the rest of its output and drops it), so a dump or hook of an agent
/// that was killed runs on (a dump to its end with its transaction open, for ever if it waits on a lock), and the next agent start finds it by its tag and ends it
/// (Runs/LeftoverSweeper), as it removes a killed agent's helper containers.
/// </summary>
internal static class ExecTags
{
    public const string Prefix = "volume-agent-exec:";
    private static volatile string _owner = "none";

    /// <summary>The agent instance whose execs this process starts (set when the instance takes its lock).</summary>
    public static string Owner
    {
        get => _owner;
        set => _owner = value;
    }

    public static string New() => $"{Prefix}{Owner}:{Guid.NewGuid():N}";

    /// <summary>True when <paramref name="exec"/> was started as a stoppable exec of an agent; gives its owner, tag and program.</summary>
    public static bool TryRead(ExecInspect exec, out string owner, out string tag, out string program)
    {
        ArgumentNullException.ThrowIfNull(exec);
        owner = tag = program = string.Empty;
        if (exec.Entrypoint != "sh" || exec.Arguments is not ["-c", Engine.ExecProcess.PidAnnouncingScript, var name, var first, ..] || !name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = name[Prefix.Length..].Split(':');
        if (parts.Length != 2 || parts[0].Length == 0)
        {
            return false;
        }

        (owner, tag, program) = (parts[0], name, first);
        return true;
    }
}
