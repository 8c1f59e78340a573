namespace VolumeAgent.Docker;

/// <summary>
/// The stdio of a process in a container (an attached container's first process, or an exec): stdout demultiplexed
/// from stderr, which is kept in a tail as it arrives (so much stderr never stalls the reader of stdout), and stdin
/// that can be half-closed. Disposing closes the connection, which ends the process's stdio.
/// </summary>
internal interface IProcessStreams : IAsyncDisposable
{
    /// <summary>The process's stdout, read-only.</summary>
    Stream Stdout { get; }

    /// <summary>The last part of the process's stderr.</summary>
    OutputTail Stderr { get; }

    /// <summary>The process's stdin (only when started or attached with stdin); <see cref="CloseStdin"/> ends it.</summary>
    Stream Stdin { get; }

    /// <summary>Half-closes the connection: the process reads the end of its stdin, its output still comes.</summary>
    void CloseStdin();

    /// <summary>Reads stdout to its end, dropping it, so that stderr and the end of the process are observed.</summary>
    Task DrainAsync(CancellationToken cancellationToken);
}

/// <summary>A command running in a container through exec; see <see cref="IExecOperations.RunAsync"/>.</summary>
internal interface IExecProcess : IProcessStreams
{
    string ContainerId { get; }

    /// <summary>The command's program (its first word), for messages.</summary>
    string Program { get; }

    /// <summary>Reads any output left (dropping stdout) and returns the command's exit code.</summary>
    Task<long> WaitForExitAsync(CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="WaitForExitAsync(CancellationToken)"/>; with <paramref name="drainOutput"/> false it only asks
    /// the engine, for a caller that has already read the output as far as the connection allows.
    /// </summary>
    Task<long> WaitForExitAsync(bool drainOutput, CancellationToken cancellationToken);

    /// <summary>
    /// Ends the command and every process it started and returns once none of them is left; throws
    /// <see cref="ExecStopException"/> when that cannot be confirmed. Bounded by itself; every call after the first
    /// returns the first one's outcome. Only for a command started with <see cref="ExecStartOptions.StopOnDispose"/>.
    /// </summary>
    Task<ExecStopReport> StopAsync(CancellationToken cancellationToken);
}
