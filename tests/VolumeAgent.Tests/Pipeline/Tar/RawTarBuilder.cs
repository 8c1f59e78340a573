using System.Buffers;
using System.Globalization;
using System.Text;

namespace VolumeAgent.Tests.Pipeline.Tar;

/// <summary>Writes tar blocks byte by byte, for header forms no tool writes on demand (pax uid, base-256 numbers).</summary>
internal sealed class RawTarBuilder
{
    private readonly ArrayBufferWriter<byte> _archive = new();

    public RawTarBuilder Entry(char type, string name, byte[]? content = null, string link = "", long uid = 0, long gid = 0, bool base256Uid = false)
    {
        content ??= [];
        var header = new byte[512];
        Encoding.UTF8.GetBytes(name).AsSpan(0, Math.Min(100, Encoding.UTF8.GetByteCount(name))).CopyTo(header);
        Octal(header.AsSpan(100, 8), 420);
        if (base256Uid)
        {
            header[108] = 0x80;
            for (var i = 0; i < 7; i++)
            {
                header[115 - i] = (byte)(uid >> (8 * i));
            }
        }
        else
        {
            Octal(header.AsSpan(108, 8), uid);
        }

        Octal(header.AsSpan(116, 8), gid);
        Octal(header.AsSpan(124, 12), content.Length);
        Octal(header.AsSpan(136, 12), 1_700_000_000);
        header[156] = (byte)type;
        Encoding.UTF8.GetBytes(link).CopyTo(header, 157);
        "ustar\000"u8.CopyTo(header.AsSpan(257));
        "root"u8.CopyTo(header.AsSpan(265));
        "root"u8.CopyTo(header.AsSpan(297));
        header.AsSpan(148, 8).Fill((byte)' ');
        var sum = header.Sum(b => (long)b);
        Octal(header.AsSpan(148, 7), sum);
        _archive.Write(header.AsSpan());
        _archive.Write(content.AsSpan());
        _archive.Write(new byte[(512 - (content.Length % 512)) % 512].AsSpan());
        return this;
    }

    public RawTarBuilder Pax(char type, params (string Key, string Value)[] records)
    {
        var data = new StringBuilder();
        foreach (var (key, value) in records)
        {
            var body = $" {key}={value}\n";
            var length = Encoding.UTF8.GetByteCount(body);
            // The length counts its own digits.
            var total = length + length.ToString(CultureInfo.InvariantCulture).Length;
            if (total.ToString(CultureInfo.InvariantCulture).Length > length.ToString(CultureInfo.InvariantCulture).Length)
            {
                total++;
            }

            data.Append(total.ToString(CultureInfo.InvariantCulture)).Append(body);
        }

        return Entry(type, "PaxHeaders/entry", Encoding.UTF8.GetBytes(data.ToString()));
    }

    public byte[] Finish()
    {
        _archive.Write(new byte[1024].AsSpan());
        return _archive.WrittenSpan.ToArray();
    }

    private static void Octal(Span<byte> field, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(field);
        field[^1] = 0;
    }
}
