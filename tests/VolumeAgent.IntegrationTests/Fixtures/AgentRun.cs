using System.Diagnostics;
using System.Text;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A started agent process: its output as it comes, its end, or its death by SIGKILL (the crash a power cut or
/// the OOM killer causes: no handler runs, nothing is cleaned up). Disposing kills it if it still runs.
/// </summary>
internal sealed class AgentRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly IReadOnlyList<string> _arguments;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly Task _pumps;
    private int _disposed;

    internal AgentRun(Process process, IReadOnlyList<string> arguments)
    {
        _process = process;
        _arguments = arguments;
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput, _stdout), PumpAsync(process.StandardError, _stderr));
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Standard output and error printed so far.</summary>
    public string OutputSoFar
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString() + _stderr;
            }
        }
    }

    /// <summary>Waits for the agent to end; past <paramref name="timeout"/> it is killed and a TimeoutException carries its output.</summary>
    public async Task<AgentResult> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"`volume-agent {string.Join(' ', _arguments)}` did not end within {timeout}; it was killed. Its output:{Environment.NewLine}{OutputSoFar}");
        }

        await _pumps;
        lock (_gate)
        {
            return new AgentResult(_process.ExitCode, _stdout.ToString(), _stderr.ToString());
        }
    }

    /// <summary>SIGTERM, as `docker stop` or Ctrl+C sends it: the agent cancels what it runs and ends cleanly.</summary>
    public Task TerminateAsync(CancellationToken cancellationToken) =>
        HostProcess.RunCheckedAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);

    /// <summary>
    /// SIGSTOP: the process runs no instruction until <see cref="ResumeAsync"/>, so it reads nothing from its sockets (a
    /// reader stalled by slow storage or an overloaded host, as the engine sees it). Disposing kills it even so.
    /// </summary>
    public Task SuspendAsync(CancellationToken cancellationToken) =>
        HostProcess.RunCheckedAsync("kill", ["-STOP", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);

    /// <summary>SIGCONT: a process of <see cref="SuspendAsync"/> runs on from where it stood.</summary>
    public Task ResumeAsync(CancellationToken cancellationToken) =>
        HostProcess.RunCheckedAsync("kill", ["-CONT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);

    /// <summary>SIGKILL, then waits until the process is gone and its output read.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It had already ended.
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        await _pumps;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            lock (_gate)
            {
                into.Append(buffer, 0, read);
            }
        }
    }
}

/// <summary>How an agent process ended and what it printed.</summary>
internal sealed record AgentResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;

    public override string ToString() => $"exit code {ExitCode}{Environment.NewLine}--- stdout ---{Environment.NewLine}{Stdout}--- stderr ---{Environment.NewLine}{Stderr}";
}
