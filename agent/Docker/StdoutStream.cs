using System.Buffers;
using System.Runtime.InteropServices;
using Docker.DotNet;
using VolumeAgent.Docker.Engine;
using VolumeAgent.IO;

namespace VolumeAgent.Docker;

/// <summary>
/// A read-only stream of a multiplexed output's stdout; stderr goes to a tail (and an optional sink) as it
/// arrives, so a process that writes much to stderr never stalls the one reading stdout.
/// </summary>
/// <remarks>
/// The frames are taken apart by the library's <see cref="MultiplexedStream"/>. This stays written by hand because
/// the library has no stream of stdout alone: it hands out frames (or copies both streams to streams of the caller's),
/// and a reader that pipes stdout into a compressor while stderr fills an error message needs exactly this split.
/// </remarks>
internal sealed class StdoutStream : ReadOnlyStream
{
    private const int StderrBufferSize = 16 * 1024;
    private readonly MultiplexedStream _output;
    private readonly Action<ReadOnlySpan<byte>>? _stderrSink;
    private bool _disposed;
    private bool _ended;

    /// <summary>Reads the multiplexed bytes of <paramref name="connection"/> (an engine answer, or a test's frames).</summary>
    public StdoutStream(Stream connection, OutputTail stderrTail, Action<ReadOnlySpan<byte>>? stderrSink = null)
        : this(Demultiplex(connection), stderrTail, stderrSink)
    {
    }

    /// <summary>Reads the output of an attach, exec or logs call as the library hands it out; disposing disposes it.</summary>
    public StdoutStream(MultiplexedStream output, OutputTail stderrTail, Action<ReadOnlySpan<byte>>? stderrSink = null)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        StderrTail = stderrTail ?? throw new ArgumentNullException(nameof(stderrTail));
        _stderrSink = stderrSink;
    }

    public OutputTail StderrTail { get; }

    public long StdoutBytes { get; private set; }

    public long StderrBytes { get; private set; }

    public override long Position
    {
        get => StdoutBytes;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (!MemoryMarshal.TryGetArray<byte>(buffer, out var segment))
        {
            var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                var read = await ReadAsync(rented.AsMemory(0, buffer.Length), cancellationToken);
                rented.AsMemory(0, read).CopyTo(buffer);
                return read;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        while (!_ended)
        {
            var chunk = await ReadFrameAsync(segment, cancellationToken);
            if (chunk.EOF)
            {
                // The end is kept, never asked of the connection again: the engine may half-close an exec's
                // connection (the end of its output) and only then close it with input of ours unread, and a unix
                // socket closed that way answers the next read with "connection reset by peer".
                _ended = true;
                return 0;
            }

            if (chunk.Target == MultiplexedStream.TargetStream.StandardOut)
            {
                StdoutBytes += chunk.Count;
                return chunk.Count;
            }

            StderrBytes += chunk.Count;
            RouteStderr(segment.AsSpan(0, chunk.Count));
        }

        return 0;
    }

    /// <summary>Reads to the end, dropping stdout, so that stderr and the end of the process are observed.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(StderrBufferSize);
        try
        {
            while (await ReadAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _output.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        Dispose(true);
        await base.DisposeAsync();
    }

    private static MultiplexedStream Demultiplex(Stream connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection is MultiplexedOutputStream engineOutput ? engineOutput.Output : new MultiplexedStream(connection, multiplexed: true);
    }

    /// <summary>One frame's worth of output, with the library's bare end-of-stream and framing errors said in full.</summary>
    private async Task<MultiplexedStream.ReadResult> ReadFrameAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await _output.ReadOutputAsync(buffer.Array!, buffer.Offset, buffer.Count, cancellationToken);
        }
        catch (EndOfStreamException ex)
        {
            throw new EndOfStreamException(
                $"The engine's output stream ended inside a frame, after {StdoutBytes} bytes of stdout and {StderrBytes} of stderr. "
                + "The process or the connection was cut off.",
                ex);
        }
        catch (IOException ex) when (ex.InnerException is null
            && (ex.Message.StartsWith("Unknown stream type", StringComparison.Ordinal) || ex.Message.StartsWith("Invalid frame length", StringComparison.Ordinal)))
        {
            throw new InvalidDataException(
                $"The engine's output after {StdoutBytes + StderrBytes} bytes is not a multiplexed stream ({ex.Message}). "
                + "Was the container or exec created with a TTY?",
                ex);
        }
    }

    private void RouteStderr(ReadOnlySpan<byte> data)
    {
        StderrTail.Append(data);
        _stderrSink?.Invoke(data);
    }
}
