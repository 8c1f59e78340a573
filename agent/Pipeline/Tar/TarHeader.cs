using System.Text;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>Field access on one 512-byte tar header block (ustar, old GNU and GNU layouts).</summary>
internal static class TarHeader
{
    public const int BlockSize = 512;

    public static bool IsZeroBlock(ReadOnlySpan<byte> block) => !block.ContainsAnyExcept((byte)0);

    /// <summary>Checks the header checksum, accepting the signed-byte sum some old tar programs wrote.</summary>
    public static bool HasValidChecksum(ReadOnlySpan<byte> block)
    {
        if (!TryParseNumber(block.Slice(148, 8), out var stored))
        {
            return false;
        }

        long unsignedSum = 0;
        long signedSum = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var value = i is >= 148 and < 156 ? (byte)' ' : block[i];
            unsignedSum += value;
            signedSum += (sbyte)value;
        }

        return stored == unsignedSum || stored == signedSum;
    }

    public static byte TypeFlag(ReadOnlySpan<byte> block) => block[156];

    /// <summary>POSIX ustar ("ustar\0" + "00"): only this layout has a prefix field; old GNU uses it for times.</summary>
    public static bool IsPosixUstar(ReadOnlySpan<byte> block) =>
        block.Slice(257, 6).SequenceEqual("ustar\0"u8);

    public static string Name(ReadOnlySpan<byte> block)
    {
        var name = String(block[..100]);
        if (IsPosixUstar(block))
        {
            var prefix = String(block.Slice(345, 155));
            if (prefix.Length > 0)
            {
                return prefix + "/" + name;
            }
        }

        return name;
    }

    public static string LinkName(ReadOnlySpan<byte> block) => String(block.Slice(157, 100));

    public static string UserName(ReadOnlySpan<byte> block) => String(block.Slice(265, 32));

    public static string GroupName(ReadOnlySpan<byte> block) => String(block.Slice(297, 32));

    public static bool TryMode(ReadOnlySpan<byte> block, out long value) => TryParseNumber(block.Slice(100, 8), out value);

    public static bool TryUid(ReadOnlySpan<byte> block, out long value) => TryParseNumber(block.Slice(108, 8), out value);

    public static bool TryGid(ReadOnlySpan<byte> block, out long value) => TryParseNumber(block.Slice(116, 8), out value);

    public static bool TrySize(ReadOnlySpan<byte> block, out long value) => TryParseNumber(block.Slice(124, 12), out value);

    public static bool TryMtime(ReadOnlySpan<byte> block, out long value) => TryParseNumber(block.Slice(136, 12), out value);

    /// <summary>Old GNU sparse headers ('S') are followed by extension blocks while this flag is set.</summary>
    public static bool OldGnuSparseIsExtended(ReadOnlySpan<byte> block) => block[482] != 0;

    /// <summary>In a sparse extension block the continuation flag sits after 21 sparse entries.</summary>
    public static bool SparseExtensionIsExtended(ReadOnlySpan<byte> block) => block[504] != 0;

    /// <summary>Reads the NUL-terminated text at the start of <paramref name="field"/> as UTF-8.</summary>
    public static string String(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>Octal (space or NUL terminated, leading spaces allowed) or GNU base-256 (high bit set).</summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if (field.Length == 0)
        {
            return false;
        }

        if ((field[0] & 0x80) != 0)
        {
            // Base-256, big-endian; negative values (0xFF lead byte) mean nothing for sizes, ids or times here.
            if ((field[0] & 0x40) != 0)
            {
                return false;
            }

            value = field[0] & 0x3F;
            foreach (var b in field[1..])
            {
                if (value > (long.MaxValue >> 8))
                {
                    return false;
                }

                value = (value << 8) | b;
            }

            return true;
        }

        var i = 0;
        while (i < field.Length && field[i] == (byte)' ')
        {
            i++;
        }

        for (; i < field.Length; i++)
        {
            var b = field[i];
            if (b is (byte)' ' or 0)
            {
                break;
            }

            if (b is < (byte)'0' or > (byte)'7')
            {
                return false;
            }

            if (value > (long.MaxValue >> 3))
            {
                return false;
            }

            value = (value << 3) | (long)(b - '0');
        }

        // An empty (all-NUL) field reads as zero, as GNU tar reads it.
        return true;
    }
}
