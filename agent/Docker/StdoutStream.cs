using System.Buffers;
using VolumeAgent.IO;

namespace VolumeAgent.Docker;

/// <summary>
/// A read-only stream of a multiplexed output's stdout; stderr goes to a tail (and an optional sink) as it
/// arrives, so a process that writes much to stderr never stalls the one reading stdout.
/// </summary>
internal sealed class StdoutStream : ReadOnlyStream
{
    private const int StderrBufferSize = 16 * 1024;
    private readonly MultiplexedStreamReader _reader;
    private readonly Stream _connection;
    private readonly Action<ReadOnlySpan<byte>>? _stderrSink;
    private bool _disposed;

    public StdoutStream(Stream connection, OutputTail stderrTail, Action<ReadOnlySpan<byte>>? stderrSink = null)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _reader = new MultiplexedStreamReader(connection);
        StderrTail = stderrTail ?? throw new ArgumentNullException(nameof(stderrTail));
        _stderrSink = stderrSink;
    }

    public OutputTail StderrTail { get; }

    public long StdoutBytes { get; private set; }

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

        while (true)
        {
            var chunk = await _reader.ReadAsync(buffer, cancellationToken);
            if (chunk.IsEnd)
            {
                return 0;
            }

            if (chunk.Kind == OutputKind.Stdout)
            {
                StdoutBytes += chunk.Count;
                return chunk.Count;
            }

            RouteStderr(buffer.Span[..chunk.Count]);
        }
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
            _connection.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await _connection.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private void RouteStderr(ReadOnlySpan<byte> data)
    {
        StderrTail.Append(data);
        _stderrSink?.Invoke(data);
    }
}
