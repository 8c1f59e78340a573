namespace VolumeAgent.Crypto.Age;

/// <summary>The header's base64: standard alphabet, no padding, canonical (decoders refuse anything else).</summary>
internal static class AgeBase64
{
    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    /// <summary>The bytes of <paramref name="text"/>, or null when it is not canonical unpadded base64.</summary>
    public static byte[]? TryDecode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Contains('=', StringComparison.Ordinal) || text.Length % 4 == 1)
        {
            return null;
        }

        var padded = text + new string('=', (4 - text.Length % 4) % 4);
        byte[] data;
        try
        {
            data = Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }

        // Non-canonical encodings (stray bits in the last character) decode too; re-encoding tells them apart.
        return string.Equals(Encode(data), text, StringComparison.Ordinal) ? data : null;
    }
}
