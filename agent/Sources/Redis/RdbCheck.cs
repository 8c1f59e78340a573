using System.Buffers.Binary;
using System.Globalization;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// Checks an RDB snapshot as it streams past, holding only its header and last eight bytes: it must start with
/// <c>REDIS</c> and a four-digit version, and end with the end-of-file opcode (0xFF) and the CRC-64 of everything
/// before the checksum (little-endian), as <c>redis-check-rdb</c> and a loading server check it. A checksum of zero
/// means the server saved without one (<c>rdbchecksum no</c>); the file is then accepted unchecked, as Redis does.
/// </summary>
internal sealed class RdbCheck
{
    public const int ChecksumLength = 8;
    private const int HeaderLength = 9;
    private const byte EofOpcode = 0xff;

    /// <summary>The first version whose files end with a checksum (Redis 2.6).</summary>
    private const int FirstChecksummedVersion = 5;
    private static readonly byte[] Magic = "REDIS"u8.ToArray();

    private readonly byte[] _header = new byte[HeaderLength];
    private readonly byte[] _tail = new byte[ChecksumLength];
    private int _headerFilled;
    private int _tailFilled;
    private ulong _crc;
    private long _committed;
    private byte _lastCommitted;

    /// <summary>Bytes seen so far.</summary>
    public long Bytes => _committed + _tailFilled;

    public void Feed(ReadOnlySpan<byte> data)
    {
        if (_headerFilled < HeaderLength)
        {
            var take = Math.Min(HeaderLength - _headerFilled, data.Length);
            data[..take].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += take;
        }

        if (data.Length >= ChecksumLength)
        {
            Commit(_tail.AsSpan(0, _tailFilled));
            Commit(data[..^ChecksumLength]);
            data[^ChecksumLength..].CopyTo(_tail);
            _tailFilled = ChecksumLength;
            return;
        }

        var overflow = _tailFilled + data.Length - ChecksumLength;
        if (overflow > 0)
        {
            Commit(_tail.AsSpan(0, overflow));
            _tail.AsSpan(overflow, _tailFilled - overflow).CopyTo(_tail);
            _tailFilled -= overflow;
        }

        data.CopyTo(_tail.AsSpan(_tailFilled));
        _tailFilled += data.Length;
    }

    /// <summary>A copy in the same state, to judge a different ending without disturbing this one.</summary>
    public RdbCheck Clone()
    {
        var copy = new RdbCheck
        {
            _headerFilled = _headerFilled,
            _tailFilled = _tailFilled,
            _crc = _crc,
            _committed = _committed,
            _lastCommitted = _lastCommitted,
        };
        _header.CopyTo(copy._header, 0);
        _tail.CopyTo(copy._tail, 0);
        return copy;
    }

    /// <summary>The verdict on everything fed so far, taken as the whole file.</summary>
    public RdbVerdict Complete()
    {
        var total = Bytes;
        if (total == 0)
        {
            return RdbVerdict.Unsound("it is empty, so it is not an RDB snapshot.");
        }

        if (_headerFilled < Magic.Length || !_header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return RdbVerdict.Unsound("it does not start with REDIS, so it is not an RDB snapshot.");
        }

        var digits = _header.AsSpan(Magic.Length, _headerFilled - Magic.Length);
        if (digits.Length < HeaderLength - Magic.Length || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return RdbVerdict.Unsound("its header has no four-digit RDB version after REDIS, so it is not an RDB snapshot.");
        }

        var version = int.Parse(System.Text.Encoding.ASCII.GetString(digits), NumberStyles.None, CultureInfo.InvariantCulture);
        if (version < FirstChecksummedVersion)
        {
            return _tail[_tailFilled - 1] == EofOpcode
                ? new RdbVerdict(version, null, Checksummed: false)
                : RdbVerdict.Unsound($"it does not end with the end-of-file marker (0xFF) of RDB version {version}, so the snapshot is cut off.", version);
        }

        if (total < HeaderLength + 1 + ChecksumLength)
        {
            return RdbVerdict.Unsound(
                string.Create(CultureInfo.InvariantCulture, $"it ends after {total} bytes, before the end-of-file marker and checksum, so the snapshot is cut off."),
                version);
        }

        if (_lastCommitted != EofOpcode)
        {
            return RdbVerdict.Unsound("it does not end with the end-of-file marker (0xFF) and a checksum, so the snapshot is cut off or damaged.", version);
        }

        var stored = BinaryPrimitives.ReadUInt64LittleEndian(_tail);
        if (stored == 0)
        {
            return new RdbVerdict(version, null, Checksummed: false);
        }

        return stored == _crc
            ? new RdbVerdict(version, null, Checksummed: true)
            : RdbVerdict.Unsound(
                string.Create(CultureInfo.InvariantCulture, $"its CRC-64 is {_crc:x16}, but the checksum at its end says {stored:x16}, so the snapshot is damaged."),
                version);
    }

    private void Commit(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _crc = RedisCrc64.Update(_crc, data);
        _committed += data.Length;
        _lastCommitted = data[^1];
    }
}

/// <summary>What <see cref="RdbCheck"/> found: the file's RDB version when its header has one, and the problem, if any.</summary>
internal sealed record RdbVerdict(int? Version, string? Problem, bool Checksummed)
{
    public bool IsSound => Problem is null;

    public static RdbVerdict Unsound(string problem, int? version = null) => new(version, problem, Checksummed: false);
}
