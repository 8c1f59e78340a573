using Serilog;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// A command running in a container through exec: <see cref="Stdout"/> streams its output (stderr is kept in
/// <see cref="Stderr"/>), <see cref="Stdin"/> feeds it, and <see cref="WaitForExitAsync"/> gives the exit code.
/// Disposing closes the connection, which ends the command's stdio.
/// </summary>
internal sealed class ExecProcess : IExecProcess
{
    private static readonly TimeSpan ExitPollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ExitPollLimit = TimeSpan.FromSeconds(30);
    private const string PidMarker = "volume-agent-exec-pid=";
    private readonly ExecOperations _exec;
    private readonly ExecStream _streams;
    private readonly Action<ReadOnlySpan<byte>>? _stderrSink;
    private readonly string? _marker;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private byte[]? _pidLine = [];
    private volatile int _pid;
    private volatile bool _exited;
    private Task<ExecStopReport>? _stop;

    internal ExecProcess(
        ExecOperations exec,
        string containerId,
        string execId,
        string program,
        ExecStream connection,
        Action<ReadOnlySpan<byte>>? stderrSink,
        string? marker,
        ILogger log)
    {
        _log = log;
        _exec = exec;
        _stderrSink = stderrSink;
        _marker = marker;
        if (marker is null)
        {
            _pidLine = null;
        }

        ContainerId = containerId;
        ExecId = execId;
        Program = program;
        Stderr = new OutputTail();
        _streams = connection;
        _streams.StderrSink = OnStderr;
    }

    /// <summary>The environment variable whose value, unique to each stoppable exec, its processes inherit.</summary>
    internal const string MarkerVariable = "VOLUME_AGENT_EXEC";

    /// <summary>The announcing shell's script: it prints the command's pid (in the container) on stderr, then becomes the command.</summary>
    internal const string PidAnnouncingScript = $"printf '{PidMarker}%s\\n' $$ >&2; exec \"$@\"";

    /// <summary>A shell prefix that runs <see cref="PidAnnouncingScript"/> with <paramref name="tag"/> as its $0 (what `ps` and exec inspect show).</summary>
    internal static IReadOnlyList<string> PidAnnouncingShell(string tag) => ["sh", "-c", PidAnnouncingScript, tag];

    public string ContainerId { get; }

    public string ExecId { get; }

    public string Program { get; }

    public Stream Stdout => _streams.Stdout;

    public OutputTail Stderr { get; }

    /// <summary>The command's stdin (only when started with stdin); call <see cref="CloseStdin"/> at its end.</summary>
    public Stream Stdin => _streams.Stdin;

    public void CloseStdin() => _streams.CloseStdin();

    public Task DrainAsync(CancellationToken cancellationToken) => _streams.DrainAsync(cancellationToken);

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
            await _streams.DrainAsync(cancellationToken);
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

    /// <summary>
    /// Ends the command and every process it started (SIGTERM, then SIGKILL after a short grace; see
    /// <see cref="ExecStopper"/>) and returns once none of them is left in the container and the engine reports the
    /// exec ended. Throws <see cref="ExecStopException"/>, naming the container, the program and what is left, when
    /// that cannot be confirmed. Bounded by itself (<see cref="ExecStopper.Bound"/>), so a caller whose own token is
    /// already cancelled passes <see cref="CancellationToken.None"/>. Every call after the first returns the first
    /// one's outcome. Only for a command started with <see cref="ExecStartOptions.StopOnDispose"/>.
    /// </summary>
    public Task<ExecStopReport> StopAsync(CancellationToken cancellationToken)
    {
        var marker = _marker ?? throw new InvalidOperationException($"'{Program}' in container {ContainerId} was not started to be stoppable (StopOnDispose).");
        var pid = _pid;
        lock (_gate)
        {
            return _stop ??= ExecStopper.StopAsync(_exec, ContainerId, ExecId, Program, pid == 0 ? null : pid, marker, cancellationToken);
        }
    }

    /// <summary>Stops a command that is still running (unless <see cref="StopAsync"/> already did), then closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        bool stopping;
        lock (_gate)
        {
            stopping = _stop is not null;
        }

        if (_marker is not null && !_exited && !stopping && await IsRunningAsync())
        {
            try
            {
                await StopAsync(CancellationToken.None);
            }
            catch (ExecStopException ex)
            {
                // Disposing cannot fail the caller's operation, which has its own error; this one must still be seen.
                _log.ForEvent(LogEvents.ExecNotStopped).Warning("{Error}", ex.Message);
            }
        }

        await _streams.DisposeAsync();
    }

    private async Task<bool> IsRunningAsync()
    {
        using var timeout = new CancellationTokenSource(ExecStopper.Bound);
        try
        {
            return (await _exec.InspectAsync(ExecId, timeout.Token)).Running;
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or IOException or OperationCanceledException)
        {
            // The exec or the engine is gone; there is nothing to stop through it.
            return false;
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
