using System.Diagnostics;

namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// One connection through an ssh process (<see cref="SshConnector"/>): written to its stdin, read from its stdout,
/// half-closed by closing its stdin. ssh connects while the request is written, so a failure to connect shows as its
/// exit before the first byte of the answer: then ssh's stderr (the last 8 KiB, kept as it comes) says why,
/// as a <see cref="RemoteEngineException"/>. Disposing ends the process.
/// </summary>
internal sealed class SshStream : ConnectionStream
{
    private static readonly TimeSpan ExitPatience = TimeSpan.FromSeconds(10);
    private readonly Process _process;
    private readonly SshConnector _connector;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly OutputTail _stderr = new();
    private readonly Task _stderrPump;
    private bool _received;
    private int _disposed;

    public SshStream(Process process, SshConnector connector)
    {
        _process = process;
        _connector = connector;
        _stdin = process.StandardInput.BaseStream;
        _stdout = process.StandardOutput.BaseStream;
        _stderrPump = PumpStderrAsync(process.StandardError.BaseStream);
    }

    public override void CloseWrite() => _stdin.Close();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _stdout.ReadAsync(buffer, cancellationToken);
        }
        catch (IOException ex) when (!_received)
        {
            throw await FailureAsync(ex);
        }

        if (read == 0 && !_received && buffer.Length > 0)
        {
            throw await FailureAsync(null);
        }

        _received |= read > 0;
        return read;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await _stdin.WriteAsync(buffer, cancellationToken);
        }
        catch (IOException ex) when (!_received)
        {
            // ssh ended before the request was written: it could not connect or log in.
            throw await FailureAsync(ex);
        }
    }

    public override void Flush() => _stdin.Flush();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stdin.FlushAsync(cancellationToken);
        }
        catch (IOException ex) when (!_received)
        {
            throw await FailureAsync(ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                }
            }
            catch (InvalidOperationException)
            {
                // It ended meanwhile.
            }

            _process.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task<RemoteEngineException> FailureAsync(Exception? cause)
    {
        using var patience = new CancellationTokenSource(ExitPatience);
        try
        {
            await _process.WaitForExitAsync(patience.Token);
            await _stderrPump.WaitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            // Still running: say what it has said so far.
        }

        var failure = _connector.Failure(_process.HasExited ? _process.ExitCode : -1, _stderr.ToString());
        return cause is null ? failure : new RemoteEngineException(failure.Message, failure.Permanent, cause);
    }

    private async Task PumpStderrAsync(Stream stderr)
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stderr.ReadAsync(buffer)) > 0)
            {
                _stderr.Append(buffer.AsSpan(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The process was ended: what came is kept.
        }
    }
}
