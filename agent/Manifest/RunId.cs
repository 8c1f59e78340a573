using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>
/// Identifies one backup run: 8 lowercase hex characters. It is part of a set's directory name, so the
/// text form is canonical (no upper case, no prefix) and a parsed value always prints back the same.
/// </summary>
[JsonConverter(typeof(RunIdJsonConverter))]
internal readonly record struct RunId
{
    public const int Length = 8;

    private readonly uint _value;

    private RunId(uint value) => _value = value;

    public static RunId New()
    {
        Span<byte> bytes = stackalloc byte[sizeof(uint)];
        RandomNumberGenerator.Fill(bytes);
        return new RunId(BinaryPrimitives.ReadUInt32BigEndian(bytes));
    }

    public static RunId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var id)
            ? id
            : throw new FormatException($"'{text}' is not a run id: a run id is exactly {Length} lowercase hex characters (0-9, a-f).");
    }

    public static bool TryParse([NotNullWhen(true)] string? text, out RunId id) => TryParse(text.AsSpan(), out id) && text is not null;

    public static bool TryParse(ReadOnlySpan<char> text, out RunId id)
    {
        id = default;
        if (text.Length != Length)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        id = new RunId(uint.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        return true;
    }

    public override string ToString() => _value.ToString("x8", CultureInfo.InvariantCulture);
}
