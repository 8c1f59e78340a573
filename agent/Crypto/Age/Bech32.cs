namespace VolumeAgent.Crypto.Age;

/// <summary>
/// Bech32 (BIP 173) as age uses it for keys: <c>age1…</c> recipients and <c>AGE-SECRET-KEY-1…</c> identities. An
/// encoding, not cryptography: a checksum over 5-bit groups. As in age, there is no 90-character limit, and a
/// string must be all lower or all upper case.
/// </summary>
internal static class Bech32
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private static readonly uint[] Generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

    /// <summary>Encodes <paramref name="data"/> under <paramref name="hrp"/>; upper case when the hrp is (as for secret keys).</summary>
    public static string Encode(string hrp, ReadOnlySpan<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(hrp);
        var upper = hrp.Any(char.IsAsciiLetterUpper);
        var lowerHrp = hrp.ToLowerInvariant();
        var values = ConvertBits(data, 8, 5, pad: true)!;
        var checksum = Checksum(lowerHrp, values);
        var chars = new char[lowerHrp.Length + 1 + values.Count + checksum.Length];
        lowerHrp.CopyTo(0, chars, 0, lowerHrp.Length);
        chars[lowerHrp.Length] = '1';
        var i = lowerHrp.Length + 1;
        foreach (var v in values.Concat(checksum))
        {
            chars[i++] = Charset[v];
        }

        var text = new string(chars);
        return upper ? text.ToUpperInvariant() : text;
    }

    /// <summary>Decodes <paramref name="text"/>; throws <see cref="FormatException"/> naming what is wrong (never echoing the text, which may be a secret key).</summary>
    public static (string Hrp, byte[] Data) Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lower = text.ToLowerInvariant();
        if (text.Any(char.IsAsciiLetterUpper) && text.Any(char.IsAsciiLetterLower))
        {
            throw new FormatException("mixed upper and lower case");
        }

        var separator = lower.LastIndexOf('1');
        if (separator < 1 || separator + 7 > lower.Length)
        {
            throw new FormatException("no separator '1' followed by data and a 6-character checksum");
        }

        var hrp = lower[..separator];
        if (hrp.Any(c => c < 33 || c > 126))
        {
            throw new FormatException("invalid characters before the separator");
        }

        var values = new byte[lower.Length - separator - 1];
        for (var i = 0; i < values.Length; i++)
        {
            var index = Charset.IndexOf(lower[separator + 1 + i], StringComparison.Ordinal);
            if (index < 0)
            {
                throw new FormatException("a character outside the bech32 alphabet");
            }

            values[i] = (byte)index;
        }

        if (Polymod(HrpExpand(hrp).Concat(values)) != 1)
        {
            throw new FormatException("the checksum does not match (a character was mistyped or lost)");
        }

        var data = ConvertBits(values.AsSpan(0, values.Length - 6), 5, 8, pad: false)
            ?? throw new FormatException("invalid padding");
        return (hrp, [.. data]);
    }

    private static byte[] Checksum(string hrp, List<byte> values)
    {
        var polymod = Polymod(HrpExpand(hrp).Concat(values).Concat(new byte[6])) ^ 1;
        var result = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            result[i] = (byte)((polymod >> (5 * (5 - i))) & 31);
        }

        return result;
    }

    private static uint Polymod(IEnumerable<byte> values)
    {
        uint chk = 1;
        foreach (var v in values)
        {
            var top = chk >> 25;
            chk = ((chk & 0x1ffffff) << 5) ^ v;
            for (var i = 0; i < 5; i++)
            {
                if (((top >> i) & 1) != 0)
                {
                    chk ^= Generator[i];
                }
            }
        }

        return chk;
    }

    private static IEnumerable<byte> HrpExpand(string hrp) =>
        hrp.Select(c => (byte)(c >> 5)).Append((byte)0).Concat(hrp.Select(c => (byte)(c & 31)));

    private static List<byte>? ConvertBits(ReadOnlySpan<byte> data, int from, int to, bool pad)
    {
        var acc = 0;
        var bits = 0;
        var maxValue = (1 << to) - 1;
        var result = new List<byte>(data.Length * from / to + 1);
        foreach (var value in data)
        {
            acc = (acc << from) | value;
            bits += from;
            while (bits >= to)
            {
                bits -= to;
                result.Add((byte)((acc >> bits) & maxValue));
            }
        }

        if (pad)
        {
            if (bits > 0)
            {
                result.Add((byte)((acc << (to - bits)) & maxValue));
            }
        }
        else if (bits >= from || ((acc << (to - bits)) & maxValue) != 0)
        {
            return null;
        }

        return result;
    }
}
