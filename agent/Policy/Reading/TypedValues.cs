using System.Globalization;
using VolumeAgent.Scheduling;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VolumeAgent.Policy.Reading;

/// <summary>
/// Typed values read from <see cref="NodeReader.Text(MapNode, string, bool, string, string)"/>: names, numbers,
/// booleans, durations, cron schedules, choices, text lists and absolute paths. Like the reader, each reports what
/// is wrong and returns null.
/// </summary>
internal static class TypedValues
{
    /// <summary>A Docker object name (container, compose service, volume), also used for jobs and storages.</summary>
    public static string? Name(this NodeReader reader, YamlNode node, string path, string what)
    {
        var text = reader.Text(node, path, required: true);
        return text is null ? null : reader.CheckName(text, node.Start, path, what);
    }

    public static string? Name(this NodeReader reader, MapNode map, string key, string what, bool required = false, string missingHint = "")
    {
        var text = reader.Text(map, key, required, missingHint);
        return text is null ? null : reader.CheckName(text, NodeReader.ValueMark(map, key), map.PathOf(key), what);
    }

    public static string? CheckName(this NodeReader reader, string text, Mark mark, string path, string what)
    {
        if (NodeReader.IsName(text))
        {
            return text;
        }

        reader.Report(mark, path, $"'{text}' is not a valid {what} name; use {NodeReader.NameRule}");
        return null;
    }

    public static int? Integer(this NodeReader reader, MapNode map, string key, int min, int max)
    {
        var text = reader.Text(map, key, required: false, expected: "a whole number");
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            reader.Report(NodeReader.ValueMark(map, key), map.PathOf(key), $"expected a whole number, got '{text}'");
            return null;
        }

        if (value < min || value > max)
        {
            var range = min == 0 && max == int.MaxValue
                ? "must not be negative"
                : $"must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}";
            reader.Report(NodeReader.ValueMark(map, key), map.PathOf(key), $"{range}, got {value.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return value;
    }

    public static bool? Boolean(this NodeReader reader, MapNode map, string key)
    {
        var text = reader.Text(map, key, required: false, expected: "true or false");
        if (text is null)
        {
            return null;
        }

        if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        reader.Report(NodeReader.ValueMark(map, key), map.PathOf(key), $"expected true or false, got '{text}'");
        return null;
    }

    public static TimeSpan? Duration(this NodeReader reader, MapNode map, string key, bool allowZero)
    {
        var text = reader.Text(map, key, required: false, expected: "a duration");
        if (text is null)
        {
            return null;
        }

        if (!Policy.Duration.TryParse(text, out var value))
        {
            reader.Report(NodeReader.ValueMark(map, key), map.PathOf(key), $"'{text}' is not a duration; {Policy.Duration.Help}");
            return null;
        }

        if (!allowZero && value == TimeSpan.Zero)
        {
            reader.Report(NodeReader.ValueMark(map, key), map.PathOf(key), "must be longer than zero");
            return null;
        }

        return value;
    }

    public static CronExpression? Cron(this NodeReader reader, MapNode map, string key)
    {
        var text = reader.Text(map, key, required: false, expected: "a cron expression");
        if (text is null)
        {
            return null;
        }

        if (CronExpression.TryParse(text, out var schedule, out var error))
        {
            return schedule;
        }

        reader.Report(NodeReader.ValueMark(map, key), map.PathOf(key), error);
        return null;
    }

    public static T? Choice<T>(this NodeReader reader, MapNode map, string key, IReadOnlyList<(string Name, T Value)> choices, bool required = false)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(choices);
        var names = choices.Select(c => c.Name).ToList();
        var text = reader.Text(map, key, required, $"; use one of {string.Join(", ", names)}", "one of " + string.Join(", ", names));
        if (text is null)
        {
            return null;
        }

        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, text, StringComparison.Ordinal))
            {
                return value;
            }
        }

        reader.Report(
            NodeReader.ValueMark(map, key),
            map.PathOf(key),
            $"'{text}' is not allowed; use one of {string.Join(", ", names)}{KeySuggestion.DidYouMean(text, names)}");
        return null;
    }

    /// <summary>A list of non-empty texts, each checked by <paramref name="check"/> (returns an error or null); duplicates are reported.</summary>
    public static IReadOnlyList<string>? TextList(this NodeReader reader, MapNode map, string key, string example, Func<string, string?>? check = null, bool required = false)
    {
        var items = reader.Items(map, key, required, example);
        if (items is null)
        {
            return null;
        }

        var result = new List<string>(items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failed = false;
        foreach (var (node, path) in items)
        {
            var text = reader.Text(node, path, required: true);
            if (text is null)
            {
                failed = true;
                continue;
            }

            if (check?.Invoke(text) is { } error)
            {
                reader.Report(node.Start, path, error);
                failed = true;
                continue;
            }

            if (!seen.Add(text))
            {
                reader.Report(node.Start, path, $"'{text}' is listed twice");
                failed = true;
                continue;
            }

            result.Add(text);
        }

        return failed ? null : result;
    }

    /// <summary>An absolute path; trailing slashes are dropped.</summary>
    public static string? AbsolutePath(this NodeReader reader, MapNode map, string key, bool required = false, string missingHint = "")
    {
        var text = reader.Text(map, key, required, missingHint);
        if (text is null)
        {
            return null;
        }

        if (!text.StartsWith('/'))
        {
            reader.Report(NodeReader.ValueMark(map, key), map.PathOf(key), $"must be an absolute path (starting with /), got '{text}'");
            return null;
        }

        var trimmed = text.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }
}
