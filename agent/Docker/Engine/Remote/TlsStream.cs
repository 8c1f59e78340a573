using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Docker.DotNet.Handler.Abstractions;

namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// One TLS connection to the engine, half-closable as a hijacked exec stream needs: <see cref="CloseWrite"/> sends
/// TLS close_notify and then shuts the socket's sending side, as Go's <c>tls.Conn.CloseWrite</c> (the docker CLI)
/// does, so the engine sees the end of stdin and still sends the output. A read the engine breaks off with a TLS
/// alert (a client certificate refused after a TLS 1.3 handshake) becomes a <see cref="RemoteEngineException"/>.
/// </summary>
internal sealed class TlsStream : WriteClosableStream
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

    public override bool CanCloseWrite => true;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
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

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var read = await _ssl.ReadAsync(buffer, cancellationToken);
            _received |= read > 0;
            return read;
        }
        catch (Exception ex) when (!_received && IsTlsAlert(ex) && !cancellationToken.IsCancellationRequested)
        {
            // Nothing came yet: the engine broke the connection off with an alert right after the handshake.
            throw TlsConnector.HandshakeFailed(_endpoint, _endpoint.Tls!, ex);
        }
    }

    /// <summary>A failure TLS itself reported (an alert, a failed authentication), not a connection that was lost.</summary>
    private static bool IsTlsAlert(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is AuthenticationException
                || current.Message.Contains("alert", StringComparison.OrdinalIgnoreCase)
                || current.Message.Contains("SSL", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public override void Write(byte[] buffer, int offset, int count) => _ssl.Write(buffer, offset, count);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _ssl.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _ssl.WriteAsync(buffer, cancellationToken);

    public override void Flush() => _ssl.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _ssl.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ssl.Dispose();
        }

        base.Dispose(disposing);
    }
}
