using System.Net.Sockets;
using Serilog;
using VolumeAgent.Control.Client;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Presentation;

namespace VolumeAgent.Control.Daemon;

/// <summary>
/// The daemon's control socket: a unix socket, owner-only (0600 in a 0700 folder), one request per connection
/// answered by a stream of events ending with <c>exit</c>. A second daemon on the same path is refused; a
/// socket file a dead daemon left is replaced.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FlushBound = TimeSpan.FromSeconds(10);
    private readonly Socket _listener;
    private readonly IControlHandler _handler;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _connections = [];
    private Task _acceptLoop = Task.CompletedTask;
    private int _disposed;

    private ControlServer(string path, Socket listener, IControlHandler handler, ILogger log)
    {
        Path = path;
        _listener = listener;
        _handler = handler;
        _log = log;
    }

    public string Path { get; }

    /// <summary>How long <see cref="DisposeAsync"/> waits for requests in progress (a run-now winding down).</summary>
    public TimeSpan DrainBound { get; set; } = TimeSpan.FromSeconds(30);

    /// <exception cref="InvalidOperationException">Another daemon answers on the path, or the socket cannot be made.</exception>
    public static async Task<ControlServer> StartAsync(string path, IControlHandler handler, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(log);
        if (File.Exists(path))
        {
            await using (var other = await ControlClient.TryConnectAsync(path, cancellationToken))
            {
                if (other is not null)
                {
                    throw new InvalidOperationException(
                        $"Another volume-agent daemon already listens on {path}; only one daemon may run per control socket. "
                        + $"Stop it, or give this one another path with ${ControlEndpoint.EnvironmentVariable}.");
                }
            }

            File.Delete(path);
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new InvalidOperationException(
                $"The control socket {path} cannot be created ({ex.Message}). "
                + $"Make its folder writable, or set ${ControlEndpoint.EnvironmentVariable} to another path.",
                ex);
        }

        var server = new ControlServer(path, listener, handler, log);
        server._acceptLoop = Task.Run(server.AcceptLoopAsync, CancellationToken.None);
        log.ForEvent(LogEvents.ControlSocketListening).Information("Control socket listening on {Path}", path);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        Task[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        try
        {
            await Task.WhenAll(open).WaitAsync(DrainBound);
        }
        catch (TimeoutException)
        {
            _log.ForEvent(LogEvents.ControlRequestsNotDrained).Warning("{Count} control request(s) did not end within {Bound} of the shutdown", open.Count(t => !t.IsCompleted), DrainBound);
        }

        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // The next daemon replaces a stale socket file.
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _log.ForEvent(LogEvents.ControlAcceptFailed).Warning("Control socket accept failed: {Error}", ex.Message);
                continue;
            }

            var connection = ServeAsync(client);
            lock (_gate)
            {
                _connections.Add(connection);
            }

            _ = connection.ContinueWith(
                done =>
                {
                    lock (_gate)
                    {
                        _connections.Remove(done);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await Task.Yield();
        await using var connection = new ControlConnection(new NetworkStream(socket, ownsSocket: true), ControlConnection.MaxRequestBytes);
        ControlRequest? request;
        using var events = new ControlEventStream(connection);
        try
        {
            using (var first = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                first.CancelAfter(RequestTimeout);
                request = await connection.ReadAsync(ControlJsonContext.Default.ControlRequest, first.Token);
            }
        }
        catch (Exception ex) when (ex is ControlProtocolException or OperationCanceledException or IOException)
        {
            var reason = ex is OperationCanceledException ? $"no request within {RequestTimeout.TotalSeconds:0} s" : ex.Message;
            events.Post(ControlEvent.Failure($"Bad control request: {reason}"));
            events.Post(ControlEvent.Exit(ExitCodes.ConfigurationError));
            await events.CompleteAsync(FlushBound);
            return;
        }

        if (request is null)
        {
            await events.CompleteAsync(FlushBound);
            return;
        }

        var code = await HandleAsync(request, connection, events);
        events.Post(ControlEvent.Exit(code));
        await events.CompleteAsync(FlushBound);
    }

    private async Task<int> HandleAsync(ControlRequest request, ControlConnection connection, ControlEventStream events)
    {
        if (request.Protocol != ControlRequest.CurrentProtocol)
        {
            events.Post(ControlEvent.Failure(
                $"This daemon speaks control protocol {ControlRequest.CurrentProtocol}, the client {request.Protocol}: use the volume-agent of the daemon's image."));
            return ExitCodes.ConfigurationError;
        }

        // The client's end closing (Ctrl-C on run-now) cancels its request, as it would cancel an in-process run.
        using var scope = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var watch = WatchClientAsync(connection, scope);
        try
        {
            return await _handler.HandleAsync(request, events, scope.Token);
        }
        catch (OperationCanceledException) when (scope.IsCancellationRequested)
        {
            events.Post(ControlEvent.Failure(_stopping.IsCancellationRequested ? "The daemon is stopping; the request was cancelled." : "Cancelled."));
            return ExitCodes.Cancelled;
        }
#pragma warning disable CA1031 // One request's failure must not end the daemon; the client gets the message.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _log.ForEvent(LogEvents.ControlRequestFailed).Error(ex, "Control request {Command} failed", request.Command);
            events.Post(ControlEvent.Failure($"The daemon could not do {request.Command}: {ex.Message}"));
            return ExitCodes.Failure;
        }
        finally
        {
            await scope.CancelAsync();
            await watch;
        }
    }

    private static async Task WatchClientAsync(ControlConnection connection, CancellationTokenSource scope)
    {
        await connection.WaitForPeerCloseAsync(scope.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        await scope.CancelAsync();
    }
}
