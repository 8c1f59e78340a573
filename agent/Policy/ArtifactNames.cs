using System.Text;
using System.Text.RegularExpressions;

namespace VolumeAgent.Policy;

/// <summary>Artifact names become file names in every storage, so they keep to a portable character set.</summary>
internal static partial class ArtifactNames
{
    public const string Rule = "letters, digits, '.', '_' and '-', starting with a letter or digit";

    public static bool IsValid(string name) => name.Length <= 128 && ValidName().IsMatch(name);

    /// <summary>Replaces every run of characters outside the portable set with one '-'; <paramref name="fallback"/> when nothing is left.</summary>
    public static string Sanitize(string text, string fallback)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            {
                result.Append(c);
            }
            else if (result.Length > 0 && result[^1] != '-')
            {
                result.Append('-');
            }
        }

        var sanitized = result.ToString().Trim('-', '.');
        return sanitized.Length == 0 ? fallback : sanitized;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}
