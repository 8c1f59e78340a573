using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace VolumeAgent.IO;

/// <summary>
/// Reads its inner stream on a task of its own, up to <c>depth</c> buffers ahead of the reader, so the work behind
/// the inner stream (a socket drained, a tar parsed and hashed) runs while the reader compresses and writes what came
/// before. Memory stays bounded at <c>depth + 1</c> buffers. The inner stream's exception reaches the reader at the
/// point in the data where it happened, as it would without read-ahead. Reading starts with the first read.
/// </summary>
internal sealed class ReadAheadStream : ReadOnlyStream
{
    /// <summary>Buffer size and depth used by the pipeline: 512 KiB ahead in 128 KiB reads.</summary>
    internal const int DefaultBufferSize = 128 * 1024;
    internal const int DefaultDepth = 4;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly int _bufferSize;
    private readonly Channel<Segment> _filled;
    private readonly Channel<byte[]> _free;
    // Not disposed: a fill task may still observe it after the stream is disposed (see DisposeAsync).
    private readonly CancellationTokenSource _stop = new();
    private Task? _reader;
    private Segment _current;
    private int _currentOffset;
    private bool _ended;
    private bool _disposed;

    public ReadAheadStream(Stream inner, bool leaveOpen = false, int bufferSize = DefaultBufferSize, int depth = DefaultDepth)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        _inner = inner;
        _leaveOpen = leaveOpen;
        _bufferSize = bufferSize;
        _filled = Channel.CreateBounded<Segment>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        // depth buffers can wait in the channel, one is being filled and one is being read.
        _free = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        for (var i = 0; i < depth + 2; i++)
        {
            _free.Writer.TryWrite(new byte[bufferSize]);
        }
    }

    public override bool CanRead => !_disposed;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || _ended)
        {
            return 0;
        }

        _reader ??= Task.Run(FillAsync, CancellationToken.None);
        while (_current.Buffer is null || _currentOffset == _current.Length)
        {
            if (_current.Buffer is not null)
            {
                _free.Writer.TryWrite(_current.Buffer);
                _current = default;
            }

            if (!await _filled.Reader.WaitToReadAsync(cancellationToken) || !_filled.Reader.TryRead(out var next))
            {
                _ended = true;
                return 0;
            }

            if (next.Failure is not null)
            {
                _ended = true;
                next.Failure.Throw();
            }

            _current = next;
            _currentOffset = 0;
        }

        var count = Math.Min(buffer.Length, _current.Length - _currentOffset);
        _current.Buffer!.AsMemory(_currentOffset, count).CopyTo(buffer);
        _currentOffset += count;
        return count;
    }

    private async Task FillAsync()
    {
        var token = _stop.Token;
        byte[]? buffer = null;
        var filled = 0;
        try
        {
            while (true)
            {
                buffer = await _free.Reader.ReadAsync(token);
                filled = 0;
                int read;
                do
                {
                    read = await _inner.ReadAsync(buffer.AsMemory(filled), token);
                    filled += read;
                }
                while (read > 0 && filled < _bufferSize);

                if (filled > 0)
                {
                    await _filled.Writer.WriteAsync(new Segment(buffer, filled, null), token);
                }

                buffer = null;
                if (read == 0)
                {
                    _filled.Writer.TryComplete();
                    return;
                }
            }
        }
        catch (Exception ex) when (!token.IsCancellationRequested)
        {
            // Delivered in order: first what was read into the current buffer, then the failure itself.
            try
            {
                if (buffer is not null && filled > 0)
                {
                    await _filled.Writer.WriteAsync(new Segment(buffer, filled, null), token);
                }

                await _filled.Writer.WriteAsync(new Segment(null, 0, ExceptionDispatchInfo.Capture(ex)), token);
                _filled.Writer.TryComplete();
            }
            catch (OperationCanceledException)
            {
                _filled.Writer.TryComplete(new ObjectDisposedException(nameof(ReadAheadStream)));
            }
        }
        catch (Exception)
        {
            // Disposed: a read still waiting must fail, not see a clean end of stream.
            _filled.Writer.TryComplete(new ObjectDisposedException(nameof(ReadAheadStream)));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _stop.Cancel();
            if (!_leaveOpen)
            {
                // Also ends a read of the inner stream that does not watch the token; then the fill task has let go.
                _inner.Dispose();
                _reader?.GetAwaiter().GetResult();
            }

            // With leaveOpen, a fill task still inside a read that ignores the token ends when the owner disposes the
            // inner stream; waiting for it here could wait for that owner, who is waiting for this.
        }

        base.Dispose(disposing);
    }

    private readonly record struct Segment(byte[]? Buffer, int Length, ExceptionDispatchInfo? Failure);
}
