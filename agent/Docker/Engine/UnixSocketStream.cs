using System.Net.Sockets;
using VolumeAgent.Docker.Engine.Remote;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// One connection to the engine's unix socket, read through a buffer of its own. Why not the library's Unix transport,
/// which reads the bare socket: its HTTP reader takes each chunk header of a streamed answer into an 8 KiB buffer and
/// reads the rest of the chunk and the line after it separately, and its exec demultiplexer reads every 8-byte frame
/// header on its own, so an archive or a dump cost several system calls per 32 KiB; here those small reads are served
/// from memory and the socket is read in <see cref="BufferSize"/> pieces (a 407 MB archive: 8,050 socket reads instead
/// of 25,382; docs/architecture.md). Half-closable, as an exec's stdin needs. A plain tcp endpoint's connection for
/// <see cref="ExecStart"/> is one of these too (<see cref="ConnectTcpAsync"/>).
/// </summary>
internal sealed class UnixSocketStream : ConnectionStream
{
    internal const int BufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _offset;
    private int _count;

    private UnixSocketStream(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects to the socket at <paramref name="path"/>.</summary>
    public static async Task<Stream> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return new UnixSocketStream(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects to a plain tcp endpoint, read through the same buffer.</summary>
    public static async Task<Stream> ConnectTcpAsync(string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken);
            return new UnixSocketStream(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public override void CloseWrite() => _socket.Shutdown(SocketShutdown.Send);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_count == 0)
        {
            // A read as large as the buffer gains nothing from it: straight from the socket.
            if (buffer.Length >= BufferSize)
            {
                return await _stream.ReadAsync(buffer, cancellationToken);
            }

            _offset = 0;
            _count = await _stream.ReadAsync(_buffer, cancellationToken);
            if (_count == 0)
            {
                return 0;
            }
        }

        var read = Math.Min(_count, buffer.Length);
        _buffer.AsSpan(_offset, read).CopyTo(buffer.Span);
        _offset += read;
        _count -= read;
        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _stream.WriteAsync(buffer, cancellationToken);

    public override void Flush() => _stream.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _stream.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
        }

        base.Dispose(disposing);
    }
}
