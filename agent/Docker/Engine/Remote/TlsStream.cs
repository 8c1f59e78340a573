using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// One TLS connection to the engine, half-closable as a hijacked exec stream needs: <see cref="CloseWrite"/> sends
/// TLS close_notify and then shuts the socket's sending side, as Go's <c>tls.Conn.CloseWrite</c> (the docker CLI)
/// does, so the engine sees the end of stdin and still sends the output. A connection the engine breaks off before
/// its first byte (a client certificate refused after a TLS 1.3 handshake) becomes a <see cref="RemoteEngineException"/>.
/// </summary>
internal sealed class TlsStream : ConnectionStream
{
    private readonly SslStream _ssl;
    private readonly Socket _socket;
    private readonly DockerEndpoint _endpoint;
    private bool _received;

    public TlsStream(SslStream ssl, Socket socket, DockerEndpoint endpoint)
    {
        _ssl = ssl;
        _socket = socket;
        _endpoint = endpoint;
    }

    /// <summary>
    /// Ends the sending side. Synchronous because the library's hijacked stream asks it so; the close_notify is one
    /// small record written to a connected socket.
    /// </summary>
    public override void CloseWrite()
    {
        _ssl.ShutdownAsync().GetAwaiter().GetResult();
        _socket.Shutdown(SocketShutdown.Send);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var read = await _ssl.ReadAsync(buffer, cancellationToken);
            _received |= read > 0;
            return read;
        }
        catch (Exception ex) when (!_received && IsRefusal(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw TlsConnector.HandshakeFailed(_endpoint, _endpoint.Tls!, ex);
        }
    }

    /// <summary>
    /// Whether a failure before the engine's first byte is its refusal of this client. With TLS 1.3 the engine checks
    /// the client certificate after the handshake has completed on our side: it answers the request with an alert and
    /// closes, so the request's write meets a reset or the first read the alert, whichever comes first. An engine that
    /// accepted the handshake does not otherwise close a connection before reading its request.
    /// </summary>
    private static bool IsRefusal(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is AuthenticationException
                || current is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown }
                || current.Message.Contains("alert", StringComparison.OrdinalIgnoreCase)
                || current.Message.Contains("SSL", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await _ssl.WriteAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (!_received && IsRefusal(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw TlsConnector.HandshakeFailed(_endpoint, _endpoint.Tls!, ex);
        }
    }

    public override void Flush() => _ssl.Flush();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _ssl.FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (!_received && IsRefusal(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw TlsConnector.HandshakeFailed(_endpoint, _endpoint.Tls!, ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ssl.Dispose();
        }

        base.Dispose(disposing);
    }
}
