using VolumeAgent.Docker;
using VolumeAgent.IO;

namespace VolumeAgent.Sources.Shared.Exec;

/// <summary>
/// Passes a stream through unchanged while keeping its last bytes (for trailers such as mysqldump's
/// "-- Dump completed") and optionally copying each read to a sink (for a validator reading alongside).
/// </summary>
internal sealed class TapStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly OutputTail _tail;
    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? _sink;
    private long _total;

    public TapStream(Stream inner, int tailBytes = 512, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? sink = null)
    {
        _inner = inner;
        _tail = new OutputTail(tailBytes);
        _sink = sink;
    }

    public long BytesRead => _total;

    public override long Position
    {
        get => _total;
        set => throw new NotSupportedException();
    }

    /// <summary>The last bytes read, as text.</summary>
    public string Tail() => _tail.ToString();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        if (read > 0)
        {
            _total += read;
            _tail.Append(buffer.Span[..read]);
            if (_sink is not null)
            {
                await _sink(buffer[..read], cancellationToken);
            }
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
