using System.Security.Cryptography;
using System.Text;

namespace VolumeAgent.Crypto.Age;

/// <summary>
/// The text header of an age file: the version line, the recipient stanzas (base64 bodies wrapped at 64 columns)
/// and the MAC line. <see cref="Write"/> makes one; <see cref="Parse"/> reads one strictly, as the format says a
/// reader must.
/// </summary>
internal sealed class AgeHeader
{
    private const int ColumnsPerLine = 64;
    private const int MacBase64Length = 43;

    private AgeHeader(IReadOnlyList<AgeStanza> stanzas, byte[] macInput, byte[] mac)
    {
        Stanzas = stanzas;
        _macInput = macInput;
        _mac = mac;
    }

    private readonly byte[] _macInput;
    private readonly byte[] _mac;

    public IReadOnlyList<AgeStanza> Stanzas { get; }

    /// <summary>The whole header, MAC line included, for <paramref name="stanzas"/> wrapping <paramref name="fileKey"/>.</summary>
    public static byte[] Write(IReadOnlyList<AgeStanza> stanzas, ReadOnlySpan<byte> fileKey)
    {
        ArgumentNullException.ThrowIfNull(stanzas);
        var text = new StringBuilder(AgePrimitives.Intro).Append('\n');
        foreach (var stanza in stanzas)
        {
            text.Append("-> ").AppendJoin(' ', [stanza.Type, .. stanza.Arguments]).Append('\n');
            var body = AgeBase64.Encode(stanza.Body.Span);
            for (var i = 0; i <= body.Length; i += ColumnsPerLine)
            {
                // The body ends with a line shorter than 64 columns, which is empty when the body fills its last line.
                text.Append(body.AsSpan(i, Math.Min(ColumnsPerLine, body.Length - i))).Append('\n');
            }
        }

        text.Append("---");
        var macInput = Encoding.ASCII.GetBytes(text.ToString());
        var mac = AgePrimitives.HeaderMac(fileKey, macInput);
        return [.. macInput, .. Encoding.ASCII.GetBytes(" " + AgeBase64.Encode(mac) + "\n")];
    }

    /// <summary>Where the header ends in <paramref name="data"/> (the index after its last line feed), or -1 when it does not end there yet.</summary>
    public static int FindEnd(ReadOnlySpan<byte> data)
    {
        var start = data.IndexOf("\n---"u8);
        if (start < 0)
        {
            return -1;
        }

        var end = data[(start + 1)..].IndexOf((byte)'\n');
        return end < 0 ? -1 : start + 1 + end + 1;
    }

    /// <summary>Parses a whole header (as <see cref="FindEnd"/> delimits it); throws <see cref="AgeFormatException"/>.</summary>
    public static AgeHeader Parse(ReadOnlySpan<byte> header)
    {
        if (header.Length == 0 || header[^1] != '\n' || !IsPrintable(header))
        {
            throw new AgeFormatException("The age header holds bytes that are not printable ASCII.");
        }

        var lines = Encoding.ASCII.GetString(header[..^1]).Split('\n');
        if (lines[0] != AgePrimitives.Intro)
        {
            throw new AgeFormatException($"The file does not start with '{AgePrimitives.Intro}'.");
        }

        var stanzas = new List<AgeStanza>();
        var i = 1;
        while (i < lines.Length && lines[i].StartsWith("-> ", StringComparison.Ordinal))
        {
            var arguments = lines[i][3..].Split(' ');
            if (arguments.Any(a => a.Length == 0))
            {
                throw new AgeFormatException("A stanza of the age header has an empty argument.");
            }

            i++;
            var body = new StringBuilder();
            while (true)
            {
                if (i >= lines.Length || lines[i].Length > ColumnsPerLine || lines[i].StartsWith('-'))
                {
                    throw new AgeFormatException("A stanza body of the age header does not end with a line shorter than 64 columns.");
                }

                body.Append(lines[i]);
                if (lines[i++].Length < ColumnsPerLine)
                {
                    break;
                }
            }

            var decoded = AgeBase64.TryDecode(body.ToString())
                ?? throw new AgeFormatException("A stanza body of the age header is not canonical base64.");
            stanzas.Add(new AgeStanza(arguments[0], arguments[1..], decoded));
        }

        if (stanzas.Count == 0)
        {
            throw new AgeFormatException("The age header has no recipient stanza.");
        }

        if (i != lines.Length - 1 || !lines[i].StartsWith("--- ", StringComparison.Ordinal) || lines[i].Length != 4 + MacBase64Length)
        {
            throw new AgeFormatException("The age header does not end with its MAC line.");
        }

        var mac = AgeBase64.TryDecode(lines[i][4..]) ?? throw new AgeFormatException("The age header's MAC is not canonical base64.");
        return new AgeHeader(stanzas, header[..(header.Length - 1 - MacBase64Length - 1)].ToArray(), mac);
    }

    private static bool IsPrintable(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b != '\n' && b is < 0x20 or > 0x7E)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="AgeFormatException"/> unless the header's MAC is right for <paramref name="fileKey"/>.</summary>
    public void VerifyMac(ReadOnlySpan<byte> fileKey)
    {
        if (!CryptographicOperations.FixedTimeEquals(AgePrimitives.HeaderMac(fileKey, _macInput), _mac))
        {
            throw new AgeFormatException("The age header's MAC does not match: the header was changed.");
        }
    }
}
