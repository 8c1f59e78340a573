namespace VolumeAgent.Docker;

/// <summary>Commands run in a running container (docker exec).</summary>
internal interface IExecOperations
{
    /// <summary>Creates and starts <paramref name="command"/> in the container; see <see cref="IExecProcess"/>.</summary>
    Task<IExecProcess> RunAsync(
        string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken, ExecStartOptions? options = null);

    /// <summary>
    /// The stoppable execs (<see cref="ExecStartOptions.StopOnDispose"/>) running in the container, with the agent
    /// instance that started each: what a killed agent left running is found here by the next start.
    /// </summary>
    Task<IReadOnlyList<TaggedExec>> ListTaggedAsync(string containerId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TaggedExec>>([]);

    /// <summary>Ends a tagged exec and every process it started; throws <see cref="ExecStopException"/> when that cannot be confirmed.</summary>
    Task<ExecStopReport> StopTaggedAsync(TaggedExec exec, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This engine cannot stop tagged execs.");
}
