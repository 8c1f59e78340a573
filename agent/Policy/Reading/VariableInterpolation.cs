using System.Text;

namespace VolumeAgent.Policy.Reading;

/// <summary>
/// Expands <c>${VAR}</c> and <c>${VAR:-default}</c> in a backup.yml value; <c>$$</c> is a literal <c>$</c>, and a
/// <c>$</c> followed by anything else is kept as it is. The default applies when the variable is unset or empty.
/// </summary>
internal static class VariableInterpolation
{
    /// <summary>Returns the expanded text, or null after adding at least one message to <paramref name="errors"/>.</summary>
    public static string? Expand(string text, Func<string, string?> lookup, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(lookup);
        ArgumentNullException.ThrowIfNull(errors);
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var failed = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            if (c != '$' || (next != '$' && next != '{'))
            {
                result.Append(c);
                i++;
                continue;
            }

            if (next == '$')
            {
                result.Append('$');
                i += 2;
                continue;
            }

            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                errors.Add("'${' is not closed with '}'; write $$ for a literal '$'");
                return null;
            }

            var reference = text[(i + 2)..close];
            var separator = reference.IndexOf(":-", StringComparison.Ordinal);
            var name = separator < 0 ? reference : reference[..separator];
            if (!IsVariableName(name))
            {
                errors.Add($"'${{{reference}}}' is not a variable reference; use ${{NAME}} or ${{NAME:-default}} (or $$ for a literal '$')");
                failed = true;
            }
            else
            {
                var value = lookup(name);
                if (separator >= 0 && string.IsNullOrEmpty(value))
                {
                    result.Append(reference.AsSpan(separator + 2));
                }
                else if (value is null)
                {
                    errors.Add($"environment variable '{name}' is not set; set it, or give a default with ${{{name}:-default}}");
                    failed = true;
                }
                else
                {
                    result.Append(value);
                }
            }

            i = close + 1;
        }

        return failed ? null : result.ToString();
    }

    private static bool IsVariableName(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
