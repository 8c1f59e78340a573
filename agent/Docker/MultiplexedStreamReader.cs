using System.Buffers.Binary;

namespace VolumeAgent.Docker;

internal enum OutputKind : byte
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
}

/// <summary>One read of a multiplexed stream: which stream the bytes belong to and how many; 0 at the end.</summary>
internal readonly record struct OutputChunk(OutputKind Kind, int Count)
{
    public bool IsEnd => Count == 0;
}

/// <summary>
/// Reads the engine's framing for non-TTY attach and exec output: an 8-byte header (stream kind, three
/// zero bytes, big-endian payload length) before each payload. Payloads are handed out as they arrive,
/// never gathered, so a frame of any size passes with a caller-sized buffer.
/// </summary>
/// <remarks>
/// The previous demultiplexer: the agent now reads through the library's (<see cref="StdoutStream"/>). Kept, like
/// <c>Docker/Http</c>, only until the integration tests stop using it.
/// </remarks>
internal sealed class MultiplexedStreamReader
{
    private const int HeaderLength = 8;
    private readonly Stream _inner;
    private readonly byte[] _header = new byte[HeaderLength];
    private long _remaining;
    private OutputKind _kind;
    private long _offset;
    private bool _ended;

    public MultiplexedStreamReader(Stream inner)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    }

    public async ValueTask<OutputChunk> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty)
        {
            throw new ArgumentException("The buffer must not be empty.", nameof(buffer));
        }

        while (_remaining == 0)
        {
            if (_ended || !await ReadHeaderAsync(cancellationToken))
            {
                _ended = true;
                return new OutputChunk(OutputKind.Stdout, 0);
            }
        }

        var want = (int)Math.Min(buffer.Length, _remaining);
        var read = await _inner.ReadAsync(buffer[..want], cancellationToken);
        if (read == 0)
        {
            throw new EndOfStreamException(
                $"The engine's output stream ended inside a frame at byte {_offset}: {_remaining} bytes of {_kind} were missing. "
                + "The process or the connection was cut off.");
        }

        _remaining -= read;
        _offset += read;
        return new OutputChunk(_kind, read);
    }

    private async ValueTask<bool> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < HeaderLength)
        {
            var read = await _inner.ReadAsync(_header.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                if (filled == 0)
                {
                    return false;
                }

                throw new EndOfStreamException(
                    $"The engine's output stream ended inside a frame header at byte {_offset + filled}.");
            }

            filled += read;
        }

        var kind = _header[0];
        if (kind > (byte)OutputKind.Stderr || _header[1] != 0 || _header[2] != 0 || _header[3] != 0)
        {
            throw new InvalidDataException(
                $"The engine's output at byte {_offset} is not a multiplexed stream (header starts 0x{kind:x2}). "
                + "Was the container or exec created with a TTY?");
        }

        _kind = (OutputKind)kind;
        _remaining = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4));
        _offset += HeaderLength;
        return true;
    }
}
