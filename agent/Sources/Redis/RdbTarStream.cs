using System.Globalization;
using System.Text;
using VolumeAgent.IO;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// A tar archive of one regular file, made as it is read: its ustar header, the content streamed from
/// <c>content</c> (which must be exactly <c>size</c> bytes), padding and the end-of-archive blocks. It is what the
/// engine's archive API (<c>PUT /containers/{id}/archive</c>) takes to put <c>dump.rdb</c> into a container.
/// </summary>
internal sealed class RdbTarStream : ReadOnlyStream
{
    private const int Block = 512;
    private const long MaxOctalSize = (1L << 33) - 1;
    private readonly Stream _content;
    private readonly long _size;
    private readonly byte[] _header;
    private long _position;

    /// <param name="content">The file's content; left open.</param>
    public RdbTarStream(Stream content, long size, string fileName, int uid, int gid, int mode, DateTimeOffset modified)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        _content = content;
        _size = size;
        _header = Header(fileName, size, uid, gid, mode, modified);
    }

    /// <summary>The archive's whole length: header, content rounded up to a block, two zero blocks.</summary>
    public long ArchiveLength => Block + ((_size + Block - 1) / Block * Block) + (2 * Block);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= ArchiveLength)
        {
            return 0;
        }

        if (_position < Block)
        {
            var take = (int)Math.Min(buffer.Length, Block - _position);
            _header.AsMemory((int)_position, take).CopyTo(buffer);
            _position += take;
            return take;
        }

        var contentDone = _position - Block;
        if (contentDone < _size)
        {
            var want = (int)Math.Min(buffer.Length, _size - contentDone);
            var read = await _content.ReadAsync(buffer[..want], cancellationToken);
            if (read == 0)
            {
                throw new InvalidDataException(
                    string.Create(CultureInfo.InvariantCulture, $"The snapshot ended after {contentDone} bytes, but the manifest says it has {_size}."));
            }

            _position += read;
            if (contentDone + read == _size)
            {
                await EnsureEndedAsync(cancellationToken);
            }

            return read;
        }

        // Padding to the block and the two end blocks are all zeros.
        var zeros = (int)Math.Min(buffer.Length, ArchiveLength - _position);
        buffer.Span[..zeros].Clear();
        _position += zeros;
        return zeros;
    }

    private async Task EnsureEndedAsync(CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        if (await _content.ReadAsync(probe, cancellationToken) != 0)
        {
            throw new InvalidDataException(
                string.Create(CultureInfo.InvariantCulture, $"The snapshot is longer than the {_size} bytes the manifest says it has."));
        }
    }

    private static byte[] Header(string fileName, long size, int uid, int gid, int mode, DateTimeOffset modified)
    {
        var name = Encoding.UTF8.GetBytes(fileName);
        if (name.Length is 0 or > 100 || fileName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{fileName}' is not a file name a tar header holds.", nameof(fileName));
        }

        var header = new byte[Block];
        name.CopyTo(header, 0);
        Octal(header.AsSpan(100, 8), mode);
        Octal(header.AsSpan(108, 8), uid);
        Octal(header.AsSpan(116, 8), gid);
        if (size <= MaxOctalSize)
        {
            Octal(header.AsSpan(124, 12), size);
        }
        else
        {
            // GNU base-256: the high bit of the first byte set, the size big-endian in the rest.
            var field = header.AsSpan(124, 12);
            field[0] = 0x80;
            for (var i = 11; i >= 4; i--)
            {
                field[i] = (byte)(size >> ((11 - i) * 8));
            }
        }

        Octal(header.AsSpan(136, 12), Math.Max(0, modified.ToUnixTimeSeconds()));
        header[156] = (byte)'0';
        "ustar\000"u8.CopyTo(header.AsSpan(257));
        header.AsSpan(148, 8).Fill((byte)' ');
        var checksum = header.Sum(b => (int)b);
        Octal(header.AsSpan(148, 7), checksum);
        return header;
    }

    /// <summary>Zero-padded octal digits and a terminating NUL, filling the field.</summary>
    private static void Octal(Span<byte> field, long value)
    {
        var digits = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        Encoding.ASCII.GetBytes(digits, field);
        field[^1] = 0;
    }
}
