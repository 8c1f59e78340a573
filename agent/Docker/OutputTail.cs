using System.Text;

namespace VolumeAgent.Docker;

/// <summary>Keeps the last bytes of a process's stderr for error messages, whatever its length.</summary>
/// <remarks>Written by hand: the library only collects output whole (<c>ReadOutputToEndAsync</c>), unbounded in memory.</remarks>
internal sealed class OutputTail
{
    private readonly byte[] _ring;
    private readonly Lock _gate = new();
    private long _total;

    public OutputTail(int capacity = 8192)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 16);
        _ring = new byte[capacity];
    }

    public long TotalBytes
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (data.Length >= _ring.Length)
            {
                data[^_ring.Length..].CopyTo(_ring);
                _total += data.Length;
                return;
            }

            var start = (int)(_total % _ring.Length);
            var first = Math.Min(data.Length, _ring.Length - start);
            data[..first].CopyTo(_ring.AsSpan(start));
            data[first..].CopyTo(_ring);
            _total += data.Length;
        }
    }

    /// <summary>The retained text, decoded as UTF-8, trimmed; prefixed with "…" when older output was dropped.</summary>
    public override string ToString()
    {
        lock (_gate)
        {
            if (_total <= _ring.Length)
            {
                return Encoding.UTF8.GetString(_ring, 0, (int)_total).Trim();
            }

            var start = (int)(_total % _ring.Length);
            var ordered = new byte[_ring.Length];
            _ring.AsSpan(start).CopyTo(ordered);
            _ring.AsSpan(0, start).CopyTo(ordered.AsSpan(_ring.Length - start));
            return "…" + Encoding.UTF8.GetString(ordered).Trim();
        }
    }
}
