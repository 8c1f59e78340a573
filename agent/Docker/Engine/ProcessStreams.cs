using System.Buffers;
using System.Runtime.InteropServices;
using Docker.DotNet;
using VolumeAgent.IO;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// A process's stdio over the library's hijacked connection (<see cref="MultiplexedStream"/>): stdout read apart from
/// stderr (<see cref="StdoutStream"/>), stdin written through the library and half-closed with its <c>CloseWrite</c>.
/// </summary>
internal sealed class ProcessStreams : IProcessStreams
{
    private readonly MultiplexedStream _connection;
    private readonly StdoutStream _stdout;
    private int _disposed;

    /// <param name="stderrTail">Where stdout's reader keeps stderr; the exec gives a small one and keeps its own tail.</param>
    public ProcessStreams(MultiplexedStream connection, OutputTail stderrTail, Action<ReadOnlySpan<byte>>? stderrSink)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        Stderr = stderrTail;
        _stdout = new StdoutStream(connection, stderrTail, stderrSink);
        Stdin = new StdinStream(connection);
    }

    public StdoutStream Stdout => _stdout;

    Stream IProcessStreams.Stdout => _stdout;

    public OutputTail Stderr { get; }

    public Stream Stdin { get; }

    /// <summary>Half-closes the connection (the process reads the end of its stdin); nothing once disposed.</summary>
    public void CloseStdin()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _connection.CloseWrite();
        }
    }

    public Task DrainAsync(CancellationToken cancellationToken) => _stdout.DrainAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // The stdout stream owns the connection: disposing it closes both directions.
        Interlocked.Exchange(ref _disposed, 1);
        await _stdout.DisposeAsync();
    }

    /// <summary>The process's stdin: each write goes to the connection as it comes.</summary>
    private sealed class StdinStream : WriteOnlyStream
    {
        private readonly MultiplexedStream _connection;

        public StdinStream(MultiplexedStream connection) => _connection = connection;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (MemoryMarshal.TryGetArray(buffer, out var segment))
            {
                await _connection.WriteAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken);
                return;
            }

            var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                buffer.CopyTo(rented);
                await _connection.WriteAsync(rented, 0, buffer.Length, cancellationToken);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var copy = buffer.ToArray();
            _connection.WriteAsync(copy, 0, copy.Length, CancellationToken.None).GetAwaiter().GetResult();
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
