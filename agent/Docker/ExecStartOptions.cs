using Serilog;

namespace VolumeAgent.Docker;

/// <summary>How <see cref="IExecOperations.RunAsync"/> starts a command.</summary>
internal sealed class ExecStartOptions
{
    /// <summary>Variables as NAME=value; the place for secrets, which never go on a command line.</summary>
    public IReadOnlyList<string>? Environment { get; init; }

    public string? User { get; init; }

    public string? WorkingDir { get; init; }

    public bool Stdin { get; init; }

    public Action<ReadOnlySpan<byte>>? StderrSink { get; init; }

    /// <summary>
    /// Make the command stoppable (<see cref="IExecProcess.StopAsync"/>) and stop it when the process is disposed
    /// before it ended. The engine does not end an exec whose client went away (it reads the rest of its output and
    /// drops it): a dump abandoned so runs on to its end with its database transaction open, and one that waits (on a
    /// lock, say) for ever. Needs <c>sh</c> in the container, which
    /// announces the command's pid; the command's environment gets a marker its processes inherit.
    /// </summary>
    public bool StopOnDispose { get; init; }

    /// <summary>
    /// Where a stop that fails while the process is disposed is reported (the run's or the command's logger, so the
    /// line carries its job and run); null: the engine's own logger.
    /// </summary>
    public ILogger? Log { get; init; }
}
