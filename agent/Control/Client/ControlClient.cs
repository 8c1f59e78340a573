using System.Net.Sockets;
using System.Runtime.CompilerServices;
using VolumeAgent.Control.Protocol;

namespace VolumeAgent.Control.Client;

/// <summary>The client end of the control socket: one request, then the daemon's events up to <c>exit</c>.</summary>
internal sealed class ControlClient : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private readonly ControlConnection _connection;
    private ControlEvent? _first;

    private ControlClient(string path, ControlConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <summary>
    /// Connects to a daemon listening on <paramref name="path"/>; null when none does (no socket file, or a file a
    /// stopped daemon left that nobody listens on).
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The socket exists but this user may not use it (it is root's).</exception>
    public static async Task<ControlClient?> TryConnectAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return null;
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), bound.Token);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
        {
            socket.Dispose();
            throw new UnauthorizedAccessException(
                $"The daemon's control socket {path} may only be used by its owner (root); run the command as root, e.g. `docker exec <agent> run-now`.",
                ex);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ControlClient(path, new ControlConnection(new NetworkStream(socket, ownsSocket: true), ControlConnection.MaxEventBytes));
    }

    /// <summary>The first daemon that answers on one of <paramref name="paths"/>, or null.</summary>
    public static async Task<ControlClient?> TryConnectAnyAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (var path in paths)
        {
            if (await TryConnectAsync(path, cancellationToken) is { } client)
            {
                return client;
            }
        }

        return null;
    }

    /// <summary>Sends the request and yields the daemon's events, the <c>exit</c> event last.</summary>
    /// <exception cref="ControlProtocolException">The daemon closed the connection before its <c>exit</c> event.</exception>
    public async IAsyncEnumerable<ControlEvent> RequestAsync(ControlRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await SendAsync(request, cancellationToken);
        await foreach (var item in EventsAsync(cancellationToken))
        {
            yield return item;
        }
    }

    /// <summary>
    /// Sends the request and waits for the daemon's first event, which says whether it serves the request's
    /// configuration (<see cref="ControlEventTypes.OtherConfig"/>); <see cref="EventsAsync"/> yields it again.
    /// </summary>
    /// <exception cref="ControlProtocolException">The daemon closed the connection before answering.</exception>
    public async Task<ControlEvent> SendAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _connection.WriteAsync(request, ControlJsonContext.Default.ControlRequest, cancellationToken);
        _first = await ReadAsync(cancellationToken);
        return _first;
    }

    /// <summary>The events of the request sent with <see cref="SendAsync"/>, from its first to <c>exit</c>.</summary>
    /// <exception cref="ControlProtocolException">The daemon closed the connection before its <c>exit</c> event.</exception>
    public async IAsyncEnumerable<ControlEvent> EventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = _first ?? throw new InvalidOperationException("No request was sent on this control connection.");
        _first = null;
        while (true)
        {
            yield return next;
            if (next.Type == ControlEventTypes.Exit)
            {
                yield break;
            }

            next = await ReadAsync(cancellationToken);
        }
    }

    private async Task<ControlEvent> ReadAsync(CancellationToken cancellationToken) =>
        await _connection.ReadAsync(ControlJsonContext.Default.ControlEvent, cancellationToken)
        ?? throw new ControlProtocolException($"The daemon closed the control connection ({Path}) before the command finished; see the daemon's log.");

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
