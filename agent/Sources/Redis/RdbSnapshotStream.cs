using VolumeAgent.IO;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// The output of <c>redis-cli --rdb -</c>, passed on as the RDB file itself and checked as it goes. When the server
/// sends the snapshot diskless (<c>repl-diskless-sync yes</c>, the default since Redis 7.0), redis-cli writes the
/// 40-character end-of-transfer mark after it: it truncates a file to drop it, which it cannot do to standard
/// output. The last 40 bytes are therefore held back until the end and dropped when they are such a mark (40
/// lowercase hex digits) and what precedes them is a whole RDB file by its checksum.
/// </summary>
internal sealed class RdbSnapshotStream : ReadOnlyStream
{
    /// <summary>RDB_EOF_MARK_SIZE in Redis's replication code.</summary>
    public const int EofMarkLength = 40;
    private readonly Stream _inner;
    private readonly RdbCheck _check = new();
    private readonly byte[] _held = new byte[EofMarkLength];
    private int _heldCount;
    private int _finalOffset;
    private int _finalCount = -1;

    public RdbSnapshotStream(Stream inner) => _inner = inner;

    /// <summary>The verdict on the snapshot, once the stream has been read to its end; null before.</summary>
    public RdbVerdict? Verdict { get; private set; }

    /// <summary>Whether an end-of-transfer mark was found and dropped.</summary>
    public bool MarkDropped { get; private set; }

    /// <summary>Bytes passed on.</summary>
    public long BytesPassed => _check.Bytes;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_finalCount >= 0)
            {
                var take = Math.Min(buffer.Length, _finalCount - _finalOffset);
                _held.AsSpan(_finalOffset, take).CopyTo(buffer.Span);
                _finalOffset += take;
                return take;
            }

            var read = await _inner.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                Finish();
                continue;
            }

            var passed = Pass(buffer.Span, read);
            if (passed > 0)
            {
                _check.Feed(buffer.Span[..passed]);
                return passed;
            }
        }
    }

    /// <summary>
    /// Puts the held bytes and the <paramref name="read"/> new ones in order, keeps the last 40 of them held, and moves
    /// the rest to the front of <paramref name="buffer"/>: at most <paramref name="read"/> bytes, so they fit.
    /// </summary>
    private int Pass(Span<byte> buffer, int read)
    {
        var passed = Math.Max(0, _heldCount + read - EofMarkLength);
        Span<byte> incoming = stackalloc byte[EofMarkLength];
        if (read >= EofMarkLength)
        {
            buffer.Slice(read - EofMarkLength, EofMarkLength).CopyTo(incoming);
            buffer[..(read - EofMarkLength)].CopyTo(buffer[_heldCount..]);
            _held.AsSpan(0, _heldCount).CopyTo(buffer);
            incoming.CopyTo(_held);
            _heldCount = EofMarkLength;
            return passed;
        }

        buffer[..read].CopyTo(incoming);
        _held.AsSpan(0, passed).CopyTo(buffer);
        _held.AsSpan(passed, _heldCount - passed).CopyTo(_held);
        _heldCount -= passed;
        incoming[..read].CopyTo(_held.AsSpan(_heldCount));
        _heldCount += read;
        return passed;
    }

    private void Finish()
    {
        if (_heldCount == EofMarkLength && IsMark(_held) && _check.Clone().Complete() is { IsSound: true } withoutMark)
        {
            Verdict = withoutMark;
            MarkDropped = true;
            _finalCount = 0;
            return;
        }

        _check.Feed(_held.AsSpan(0, _heldCount));
        Verdict = _check.Complete();
        _finalCount = _heldCount;
    }

    /// <summary>Redis makes the mark with getRandomHexChars: digits and lowercase a–f.</summary>
    private static bool IsMark(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
            {
                return false;
            }
        }

        return true;
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
