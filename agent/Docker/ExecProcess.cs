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
    private const string PidMarker = "volume-agent-exec-pid=";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private readonly ExecOperations _exec;
    private readonly HijackedStream _connection;
    private readonly Action<ReadOnlySpan<byte>>? _stderrSink;
    private readonly bool _stopOnDispose;
    private byte[]? _pidLine = [];
    private int? _pid;
    private bool _exited;

    internal ExecProcess(
        ExecOperations exec,
        string containerId,
        string execId,
        string program,
        HijackedStream connection,
        Action<ReadOnlySpan<byte>>? stderrSink,
        bool stopOnDispose = false)
    {
        _exec = exec;
        _connection = connection;
        _stderrSink = stderrSink;
        _stopOnDispose = stopOnDispose;
        if (!stopOnDispose)
        {
            _pidLine = null;
        }

        ContainerId = containerId;
        ExecId = execId;
        Program = program;
        Stderr = new OutputTail();
        Stdout = new StdoutStream(connection, new OutputTail(64), OnStderr);
    }

    /// <summary>A shell prefix that prints the command's pid (in the container) on stderr, then becomes the command.</summary>
    internal static IReadOnlyList<string> PidAnnouncingShell { get; } =
        ["sh", "-c", $"printf '{PidMarker}%s\\n' $$ >&2; exec \"$@\"", "sh"];

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
    public Task<long> WaitForExitAsync(CancellationToken cancellationToken) => WaitForExitAsync(drainOutput: true, cancellationToken);

    /// <summary>
    /// As <see cref="WaitForExitAsync(CancellationToken)"/>; with <paramref name="drainOutput"/> false it only asks
    /// the engine, for a caller that has already read the output as far as the connection allows.
    /// </summary>
    public async Task<long> WaitForExitAsync(bool drainOutput, CancellationToken cancellationToken)
    {
        if (drainOutput)
        {
            await Stdout.DrainAsync(cancellationToken);
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var state = await _exec.InspectAsync(ExecId, cancellationToken);
            if (!state.Running && state.ExitCode is { } code)
            {
                _exited = true;
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
        if (_stopOnDispose && !_exited && _pid is { } pid)
        {
            await StopAsync(pid);
        }

        await Stdout.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private async Task StopAsync(int pid)
    {
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            var state = await _exec.InspectAsync(ExecId, timeout.Token);
            if (!state.Running)
            {
                return;
            }

            var kill = await _exec.CreateAsync(
                ContainerId,
                new Models.ExecCreateRequest { Cmd = ["kill", "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], AttachStdout = true, AttachStderr = true },
                timeout.Token);
            await using var connection = await _exec.StartAsync(kill, timeout.Token);
            await new StdoutStream(connection, new OutputTail(256)).DrainAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or IOException or OperationCanceledException)
        {
            // The container may be gone, which ends the command too; nothing more to do here.
        }
    }

    private void OnStderr(ReadOnlySpan<byte> data)
    {
        if (_pidLine is not null)
        {
            // The first stderr line is the shell's pid announcement; everything after it is the command's own.
            var newline = data.IndexOf((byte)'\n');
            var head = newline < 0 ? data : data[..newline];
            _pidLine = [.. _pidLine, .. head];
            if (newline < 0)
            {
                return;
            }

            var text = System.Text.Encoding.ASCII.GetString(_pidLine);
            if (text.StartsWith(PidMarker, StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(PidMarker.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                _pid = pid;
            }
            else
            {
                Stderr.Append(_pidLine);
                Stderr.Append("\n"u8);
            }

            _pidLine = null;
            data = data[(newline + 1)..];
            if (data.IsEmpty)
            {
                return;
            }
        }

        Stderr.Append(data);
        _stderrSink?.Invoke(data);
    }
}
