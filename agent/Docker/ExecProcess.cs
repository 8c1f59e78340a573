namespace VolumeAgent.Docker;

/// <summary>
/// A command running in a container through exec: <see cref="Stdout"/> streams its output (stderr is kept in
/// <see cref="Stderr"/>), <see cref="Stdin"/> feeds it, and <see cref="WaitForExitAsync"/> gives the exit code.
/// Disposing closes the connection, which ends the command's stdio.
/// </summary>
internal sealed class ExecProcess : IAsyncDisposable
{
    private static readonly TimeSpan ExitPollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ExitPollLimit = TimeSpan.FromSeconds(30);
    private readonly ExecOperations _exec;
    private readonly HijackedStream _connection;

    internal ExecProcess(
        ExecOperations exec, string containerId, string execId, string program, HijackedStream connection, Action<ReadOnlySpan<byte>>? stderrSink)
    {
        _exec = exec;
        _connection = connection;
        ContainerId = containerId;
        ExecId = execId;
        Program = program;
        Stderr = new OutputTail();
        Stdout = new StdoutStream(connection, Stderr, stderrSink);
    }

    public string ContainerId { get; }

    public string ExecId { get; }

    public string Program { get; }

    public StdoutStream Stdout { get; }

    public OutputTail Stderr { get; }

    /// <summary>The command's stdin (only when started with stdin); call <see cref="CloseStdin"/> at its end.</summary>
    public Stream Stdin => _connection;

    public void CloseStdin() => _connection.CloseWrite();

    /// <summary>
    /// Reads any output left (dropping stdout) and returns the exit code. The engine may report the exec as
    /// running for a moment after its output ends, so this asks until it says otherwise.
    /// </summary>
    public async Task<long> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await Stdout.DrainAsync(cancellationToken);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var state = await _exec.InspectAsync(ExecId, cancellationToken);
            if (!state.Running && state.ExitCode is { } code)
            {
                return code;
            }

            if (waited.Elapsed > ExitPollLimit)
            {
                throw new TimeoutException(
                    $"'{Program}' in container {ContainerId} closed its output but the engine still reports it running after {ExitPollLimit.TotalSeconds:0} s.");
            }

            await Task.Delay(ExitPollInterval, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stdout.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
