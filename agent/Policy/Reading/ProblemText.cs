using System.Globalization;
using System.Text;

namespace VolumeAgent.Policy.Reading;

/// <summary>
/// Keeps problem messages readable whatever backup.yml holds: a value quoted in a message ('…') is cut after
/// <see cref="MaxQuoted"/> characters with an ellipsis and its length, and a message or key path that is still
/// too long (a value with quotes of its own, a huge key in a path) loses its middle.
/// </summary>
internal static class ProblemText
{
    /// <summary>Characters of a quoted value that a message shows.</summary>
    public const int MaxQuoted = 100;

    /// <summary>The longest message kept whole.</summary>
    public const int MaxMessage = 1000;

    /// <summary>The longest key path kept whole.</summary>
    public const int MaxPath = 300;

    public static string Message(string message) => CutMiddle(ShortenQuoted(message), MaxMessage);

    public static string Path(string path) => CutMiddle(path, MaxPath);

    private static string ShortenQuoted(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= MaxQuoted)
        {
            return text;
        }

        var builder = new StringBuilder();
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf('\'', position);
            var close = open < 0 ? -1 : text.IndexOf('\'', open + 1);
            if (close < 0)
            {
                break;
            }

            var length = close - open - 1;
            if (length > MaxQuoted)
            {
                builder.Append(text, position, KeepLength(text, open + 1, MaxQuoted) + open + 1 - position)
                    .Append(CultureInfo.InvariantCulture, $"…' ({length} characters)");
            }
            else
            {
                builder.Append(text, position, close + 1 - position);
            }

            position = close + 1;
        }

        return builder.Append(text, position, text.Length - position).ToString();
    }

    private static string CutMiddle(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= max)
        {
            return text;
        }

        var tail = max / 4;
        var head = KeepLength(text, 0, max - tail);
        var tailStart = text.Length - tail;
        if (char.IsLowSurrogate(text[tailStart]))
        {
            tailStart++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{text.AsSpan(0, head)}… ({text.Length} characters in all) …{text.AsSpan(tailStart)}");
    }

    /// <summary><paramref name="length"/>, or one less so that a surrogate pair is not cut in two.</summary>
    private static int KeepLength(string text, int start, int length) =>
        char.IsHighSurrogate(text[start + length - 1]) ? length - 1 : length;
}
