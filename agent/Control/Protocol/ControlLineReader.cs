using System.Buffers;

namespace VolumeAgent.Control.Protocol;

/// <summary>
/// Reads '\n'-terminated lines from a stream into a pooled buffer that grows up to a bound, so a peer that never
/// sends a newline cannot make the reader hold more than <c>maxLineBytes</c>.
/// </summary>
internal sealed class ControlLineReader : IDisposable
{
    private const int InitialSize = 4096;
    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[]? _buffer;
    private int _start;
    private int _end;

    public ControlLineReader(Stream stream, int maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialSize, maxLineBytes + 1));
    }

    /// <summary>
    /// The next line without its '\n' (and without a '\r' before it), valid until the next call; null when the stream
    /// ends between lines.
    /// </summary>
    /// <exception cref="ControlProtocolException">The line is longer than the bound, or the stream ends inside a line.</exception>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        var scanned = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanned, _end - scanned);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > _maxLineBytes)
                {
                    throw TooLong();
                }

                if (length > 0 && _buffer[newline - 1] == (byte)'\r')
                {
                    length--;
                }

                var line = _buffer.AsMemory(_start, length);
                _start = newline + 1;
                return line;
            }

            if (_end - _start > _maxLineBytes)
            {
                throw TooLong();
            }

            Compact();
            scanned = _end;
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                if (_end == _start)
                {
                    return null;
                }

                throw new ControlProtocolException("The connection closed in the middle of a control message.");
            }

            _end += read;
        }
    }

    private ControlProtocolException TooLong() =>
        new($"A control message is longer than {_maxLineBytes} bytes; the connection is closed.");

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Moves unread bytes to the front, and grows the buffer (up to the bound plus the newline) when it is full.</summary>
    private void Compact()
    {
        var pending = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer!, _start, _buffer!, 0, pending);
            _start = 0;
            _end = pending;
        }

        if (_end == _buffer!.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _maxLineBytes + 1));
            Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
