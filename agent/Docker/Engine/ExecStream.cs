using System.Buffers.Binary;
using VolumeAgent.Docker.Engine.Remote;
using VolumeAgent.IO;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// An exec's stdio on the connection <see cref="ExecStart"/> started it on: stdout read apart from stderr (stderr goes
/// to a tail and a sink as it arrives), stdin written straight to the connection and ended by half-closing it.
/// </summary>
/// <remarks>
/// Written by hand because it beats the library's <c>MultiplexedStream</c> where the bytes are many (a 200 MB dump):
/// that one reads each frame's 8-byte header and then its payload with separate calls through the layers of its
/// hijacked stream, one or more reads per 32 KiB frame; this is one loop over one large buffer, filled from the socket
/// <see cref="BufferSize"/> at a time, that takes headers and payloads of many frames from memory and hands out the
/// stdout of consecutive frames in one read (docs/architecture.md has the system-call counts).
/// </remarks>
internal sealed class ExecStream : IProcessStreams
{
    internal const int BufferSize = 128 * 1024;
    private const int HeaderLength = 8;
    private readonly Stream _connection;
    private readonly byte[] _buffer;
    private int _offset;
    private int _count;
    private long _frameLeft;
    private bool _frameIsStdout;
    private bool _ended;
    private long _stdoutBytes;
    private long _stderrBytes;
    private int _disposed;

    /// <summary>The connection, and the bytes after the start's answer already read into <paramref name="buffer"/>.</summary>
    internal ExecStream(Stream connection, byte[] buffer, int offset, int count)
    {
        _connection = connection;
        _buffer = buffer;
        _offset = offset;
        _count = count;
        Stdout = new StdoutReader(this);
        Stdin = new StdinWriter(this);
        Stderr = new OutputTail(64);
    }

    public Stream Stdout { get; }

    /// <summary>The last of stderr; the exec keeps a longer tail of its own through <see cref="StderrSink"/>.</summary>
    public OutputTail Stderr { get; }

    public Stream Stdin { get; }

    /// <summary>Where stderr goes too, as it arrives; set before the first read.</summary>
    internal Action<ReadOnlySpan<byte>>? StderrSink { get; set; }

    public void CloseStdin()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            ((ConnectionStream)_connection).CloseWrite();
        }
    }

    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (await ReadStdoutAsync(buffer, cancellationToken) > 0)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Stdout into <paramref name="destination"/>: as much as the buffer holds of consecutive stdout frames, waiting on
    /// the connection only while nothing has been handed out yet. 0 at the output's end.
    /// </summary>
    private async ValueTask<int> ReadStdoutAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var copied = 0;
        while (copied < destination.Length)
        {
            if (_frameLeft == 0)
            {
                if (_count < HeaderLength && (copied > 0 || !await FillAsync(HeaderLength, cancellationToken)))
                {
                    return copied;
                }

                ReadHeader();
                continue;
            }

            if (_count == 0)
            {
                if (copied > 0)
                {
                    return copied;
                }

                if (!await FillAsync(1, cancellationToken))
                {
                    throw Cut();
                }
            }

            var n = (int)Math.Min(_frameLeft, _count);
            if (_frameIsStdout)
            {
                n = Math.Min(n, destination.Length - copied);
                _buffer.AsMemory(_offset, n).CopyTo(destination[copied..]);
                copied += n;
                _stdoutBytes += n;
            }
            else
            {
                var stderr = _buffer.AsSpan(_offset, n);
                Stderr.Append(stderr);
                StderrSink?.Invoke(stderr);
                _stderrBytes += n;
            }

            _offset += n;
            _count -= n;
            _frameLeft -= n;
        }

        return copied;
    }

    /// <summary>
    /// Reads until the buffer holds <paramref name="needed"/> bytes; false at the output's clean end (between frames).
    /// The end is kept, never asked of the connection again: the engine may half-close an exec's connection (the end
    /// of its output) and only then close it with input of ours unread, and a unix socket closed that way answers the
    /// next read with "connection reset by peer".
    /// </summary>
    private async ValueTask<bool> FillAsync(int needed, CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }

        if (_offset > 0)
        {
            _buffer.AsSpan(_offset, _count).CopyTo(_buffer);
            _offset = 0;
        }

        while (_count < needed)
        {
            var read = await _connection.ReadAsync(_buffer.AsMemory(_count), cancellationToken);
            if (read == 0)
            {
                _ended = true;
                if (_count > 0 || _frameLeft > 0)
                {
                    throw Cut();
                }

                return false;
            }

            _count += read;
        }

        return true;
    }

    private void ReadHeader()
    {
        var header = _buffer.AsSpan(_offset, HeaderLength);
        if (header[0] > 2 || header[1] != 0 || header[2] != 0 || header[3] != 0)
        {
            throw new InvalidDataException(
                $"The engine's output after {_stdoutBytes + _stderrBytes} bytes is not a multiplexed stream (frame header {Convert.ToHexString(header)}). "
                + "Was the exec created with a TTY?");
        }

        // Stream 0 (stdin) is never sent by the engine; the library counts it with stdout, so does this.
        _frameIsStdout = header[0] != 2;
        _frameLeft = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        _offset += HeaderLength;
        _count -= HeaderLength;
    }

    private EndOfStreamException Cut() => new(
        $"The engine's output stream ended inside a {(_frameLeft > 0 ? "frame" : "frame header")}, after {_stdoutBytes} bytes of stdout and {_stderrBytes} of stderr. "
        + "The process or the connection was cut off.");

    private sealed class StdoutReader(ExecStream exec) : ReadOnlyStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            buffer.IsEmpty ? ValueTask.FromResult(0) : exec.ReadStdoutAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                exec.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class StdinWriter(ExecStream exec) : WriteOnlyStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            exec._connection.WriteAsync(buffer, cancellationToken);

        public override void Write(ReadOnlySpan<byte> buffer) => exec._connection.Write(buffer);

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
