namespace VolumeAgent.Docker;

/// <summary>Commands run in a running container (docker exec).</summary>
internal interface IExecOperations
{
    /// <summary>Creates and starts <paramref name="command"/> in the container; see <see cref="IExecProcess"/>.</summary>
    Task<IExecProcess> RunAsync(
        string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken, ExecStartOptions? options = null);
}
