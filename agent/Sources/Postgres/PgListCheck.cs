using System.Buffers;
using System.Threading.Channels;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// Feeds the head of a custom-format dump, as it streams past, to <c>pg_restore --list</c> in the same
/// container: the archive's header and table of contents must parse. pg_restore prints its listing only
/// once it has read the whole table of contents, so feeding stops at its first line of output; the copy
/// runs on its own task so a pg_restore that has stopped reading never holds up the dump.
/// </summary>
internal sealed class PgListCheck : IDumpCheck
{
    private const int QueueDepth = 32;
    private readonly IDockerEngine _docker;
    private readonly ILogger _log;
    private readonly string _containerId;
    private readonly IReadOnlyList<string> _environment;
    private readonly Channel<(byte[] Buffer, int Length)> _queue =
        Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(QueueDepth) { SingleReader = true, SingleWriter = true });

    private IExecProcess? _lister;
    private Task? _listed;
    private Task? _pump;
    private readonly CancellationTokenSource _answered = new();
    private bool _sawFormat;

    /// <summary>The dump's first bytes, kept when pg_restore cannot be fed (see <see cref="StartAsync"/>).</summary>
    private OutputTail? _head;

    private static ReadOnlySpan<byte> Magic => "PGDMP"u8;

    public PgListCheck(IDockerEngine docker, ILogger log, string containerId, IReadOnlyList<string> environment)
    {
        _docker = docker;
        _log = log;
        _containerId = containerId;
        _environment = environment;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _lister = await _docker.Exec.RunAsync(
                _containerId, ["pg_restore", "--list"], cancellationToken, new ExecStartOptions { Environment = _environment, Stdin = true, StopOnDispose = true, Log = _log });
        }
        catch (ExecUpgradeRefusedException ex)
        {
            // A socket proxy that drops the connection upgrade lets the dump out but no input in: the header is checked instead.
            _log.ForEvent(LogEvents.PgListCheckNoStdin).Warning("Custom-format dump checked by its header only, pg_restore --list cannot be fed: {Reason}", ex.Message);
            _head = new OutputTail(16);
            return;
        }

        _listed = ReadListingAsync(_lister, cancellationToken);
        _pump = PumpAsync(_lister, cancellationToken);
    }

    public Stream Wrap(Stream raw) => new TapStream(raw, 16, EnqueueAsync);

    public async Task VerifyAsync(string what, CancellationToken cancellationToken)
    {
        if (_head is not null)
        {
            if (!_head.ToString().Equals(System.Text.Encoding.ASCII.GetString(Magic), StringComparison.Ordinal))
            {
                throw new ArtifactFailedException($"{what} produced an archive that does not start with PGDMP: not a pg_dump custom-format archive.");
            }

            return;
        }

        var lister = _lister ?? throw new InvalidOperationException("The check was not started.");
        _queue.Writer.TryComplete();
        await _pump!;
        await _listed!;
        // The listing task has read the output to its end (or to the reset that ends it): only the engine is asked.
        var exit = await lister.WaitForExitAsync(drainOutput: false, cancellationToken);
        if (exit != 0 || !_sawFormat)
        {
            var stderr = lister.Stderr.ToString();
            throw new ArtifactFailedException(
                $"{what} produced an archive that pg_restore --list rejects (exit {exit}): {(stderr.Length > 0 ? stderr : "it printed no archive header")}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _answered.CancelAsync();
        if (_lister is not null)
        {
            await _lister.DisposeAsync();
        }

        foreach (var task in new[] { _pump, _listed })
        {
            try
            {
                await (task ?? Task.CompletedTask);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidDataException)
            {
                // The check is being abandoned; its own errors no longer matter.
            }
        }

        while (_queue.Reader.TryRead(out var item))
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }

        _answered.Dispose();
    }

    private async ValueTask EnqueueAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_head is { } head && head.TotalBytes < Magic.Length)
        {
            head.Append(data.Span[..Math.Min(data.Length, Magic.Length - (int)head.TotalBytes)]);
        }

        if (_answered.IsCancellationRequested || _lister is null)
        {
            return;
        }

        var copy = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(copy);
        if (!_queue.Writer.TryWrite((copy, data.Length)))
        {
            // Waits only while pg_restore is still reading the table of contents; its answer ends the wait.
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _answered.Token);
            try
            {
                await _queue.Writer.WriteAsync((copy, data.Length), linked.Token);
            }
            catch (Exception ex) when (ex is ChannelClosedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }
    }

    private async Task PumpAsync(IExecProcess lister, CancellationToken cancellationToken)
    {
        var open = true;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _answered.Token);
        await foreach (var (buffer, length) in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                if (open && !_answered.IsCancellationRequested)
                {
                    await lister.Stdin.WriteAsync(buffer.AsMemory(0, length), linked.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // pg_restore has answered or stopped reading: it has what it needs, or failed, which VerifyAsync reports.
                open = false;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        try
        {
            lister.CloseStdin();
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    private async Task ReadListingAsync(IExecProcess lister, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(lister.Stdout, leaveOpen: true);
        try
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                await _answered.CancelAsync();
                _sawFormat |= line.StartsWith(";     Format: CUSTOM", StringComparison.Ordinal);
            }
        }
        catch (IOException) when (_answered.IsCancellationRequested)
        {
            // pg_restore answers from the archive's head and exits without reading the rest of its stdin. The
            // engine then closes the connection with bytes of ours unread, and a unix socket closed that way ends
            // with "connection reset by peer" (after everything sent before it) instead of an end of stream. The
            // listing has been read by then; its exit code, asked of the engine, decides.
        }

        await _answered.CancelAsync();
    }
}
