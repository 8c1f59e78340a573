using System.Globalization;
using System.Security;
using System.Text.RegularExpressions;
using VolumeAgent.Scheduling;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VolumeAgent.Policy.Reading;

/// <summary>
/// Reads typed values out of the YAML tree. Every method reports what is wrong to the
/// <see cref="ProblemCollector"/> and returns null instead of throwing, so reading continues and all problems
/// surface at once. A null return means "absent" or "already reported", never a silent default.
/// </summary>
internal sealed partial class NodeReader(ProblemCollector problems, PolicyEnvironment environment)
{
    public const string NameRule = "letters, digits, '_', '.' and '-', starting with a letter or digit";

    public ProblemCollector Problems => problems;

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" or "Null" or "NULL" };

    public static bool IsName(string text) => text.Length <= 255 && NamePattern().IsMatch(text);

    public void Report(Mark mark, string path, string message) => problems.Add(mark, path, message);

    public void ReportMissing(MapNode map, string key, string hint = "") =>
        problems.Add(map.Mark, map.PathOf(key), "is required" + hint);

    /// <summary>Reports every key of <paramref name="map"/> not in <paramref name="allowed"/>, suggesting the closest allowed key.</summary>
    /// <param name="explain">A specific message for a key that is known elsewhere (e.g. belongs to another source kind), or null.</param>
    public void RejectUnknownKeys(MapNode map, IReadOnlyCollection<string> allowed, Func<string, string?>? explain = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(allowed);
        foreach (var entry in map.Entries)
        {
            if (allowed.Contains(entry.Key))
            {
                continue;
            }

            var message = explain?.Invoke(entry.Key);
            if (message is null && entry.Key == "<<")
            {
                message = "merge keys (<<) are not supported; write the keys out, or put an anchor (&name) on the whole value and reuse it with *name";
            }

            if (message is null)
            {
                var suggestion = KeySuggestion.Closest(entry.Key, allowed);
                message = suggestion is null
                    ? $"unknown key '{entry.Key}'; allowed here: {string.Join(", ", allowed)}"
                    : $"unknown key '{entry.Key}'; did you mean '{suggestion}'?";
            }

            problems.Add(entry.KeyNode.Start, map.PathOf(entry.Key), message);
        }
    }

    public MapNode? AsMap(YamlNode node, string path, Mark ownerMark, string expected = "a map of key: value pairs")
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node is YamlMappingNode mapping)
        {
            return new MapNode(mapping, path, ownerMark, problems);
        }

        problems.Add(node.Start, path, $"expected {expected}, got {KindOf(node)}");
        return null;
    }

    public MapNode? Map(MapNode parent, string key, bool required = false, string missingHint = "")
    {
        ArgumentNullException.ThrowIfNull(parent);
        var entry = parent.Find(key);
        if (entry is null || IsNull(entry.Value))
        {
            if (required)
            {
                ReportMissingOrEmpty(parent, key, entry, missingHint);
            }

            return null;
        }

        return AsMap(entry.Value, parent.PathOf(key), entry.KeyNode.Start);
    }

    /// <summary>The items of a list with their paths; null when absent, empty or not a list.</summary>
    public IReadOnlyList<(YamlNode Node, string Path)>? Items(MapNode parent, string key, bool required = false, string example = "")
    {
        ArgumentNullException.ThrowIfNull(parent);
        var entry = parent.Find(key);
        if (entry is null || IsNull(entry.Value))
        {
            if (required)
            {
                ReportMissingOrEmpty(parent, key, entry, example.Length > 0 ? $"; e.g. {example}" : string.Empty);
            }

            return null;
        }

        var path = parent.PathOf(key);
        if (entry.Value is not YamlSequenceNode sequence)
        {
            problems.Add(entry.Value.Start, path, $"expected a list, got {KindOf(entry.Value)}" + (example.Length > 0 ? $"; write e.g. {example}" : string.Empty));
            return null;
        }

        return sequence.Children.Select((node, index) => (node, PolicyPath.Item(path, index))).ToList();
    }

    /// <summary>A scalar's text after <c>${VAR}</c> expansion. Empty text counts as absent.</summary>
    public string? Text(YamlNode node, string path, bool required, string expected = "a text value")
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node is not YamlScalarNode scalar)
        {
            problems.Add(node.Start, path, $"expected {expected}, got {KindOf(node)}");
            return null;
        }

        if (IsNull(scalar))
        {
            if (required)
            {
                problems.Add(scalar.Start, path, "must not be empty");
            }

            return null;
        }

        var errors = new List<string>();
        var value = VariableInterpolation.Expand(scalar.Value ?? string.Empty, environment.GetVariable, errors);
        foreach (var error in errors)
        {
            problems.Add(scalar.Start, path, error);
        }

        if (value is null)
        {
            return null;
        }

        if (value.Length == 0)
        {
            if (required)
            {
                problems.Add(scalar.Start, path, "must not be empty");
            }

            return null;
        }

        return value;
    }

    public string? Text(MapNode map, string key, bool required = false, string missingHint = "", string expected = "a text value")
    {
        ArgumentNullException.ThrowIfNull(map);
        var entry = map.Find(key);
        if (entry is null)
        {
            if (required)
            {
                ReportMissing(map, key, missingHint);
            }

            return null;
        }

        return Text(entry.Value, map.PathOf(key), required, expected);
    }

    /// <summary>A Docker object name (container, compose service, volume), also used for jobs and storages.</summary>
    public string? Name(YamlNode node, string path, string what)
    {
        var text = Text(node, path, required: true);
        return text is null ? null : CheckName(text, node.Start, path, what);
    }

    public string? Name(MapNode map, string key, string what, bool required = false, string missingHint = "")
    {
        var text = Text(map, key, required, missingHint);
        return text is null ? null : CheckName(text, ValueMark(map, key), map.PathOf(key), what);
    }

    public string? CheckName(string text, Mark mark, string path, string what)
    {
        if (IsName(text))
        {
            return text;
        }

        problems.Add(mark, path, $"'{text}' is not a valid {what} name; use {NameRule}");
        return null;
    }

    public int? Integer(MapNode map, string key, int min, int max)
    {
        var text = Text(map, key, required: false, expected: "a whole number");
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            problems.Add(ValueMark(map, key), map.PathOf(key), $"expected a whole number, got '{text}'");
            return null;
        }

        if (value < min || value > max)
        {
            var range = min == 0 && max == int.MaxValue
                ? "must not be negative"
                : $"must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}";
            problems.Add(ValueMark(map, key), map.PathOf(key), $"{range}, got {value.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return value;
    }

    public bool? Boolean(MapNode map, string key)
    {
        var text = Text(map, key, required: false, expected: "true or false");
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

        problems.Add(ValueMark(map, key), map.PathOf(key), $"expected true or false, got '{text}'");
        return null;
    }

    public TimeSpan? Duration(MapNode map, string key, bool allowZero)
    {
        var text = Text(map, key, required: false, expected: "a duration");
        if (text is null)
        {
            return null;
        }

        if (!Policy.Duration.TryParse(text, out var value))
        {
            problems.Add(ValueMark(map, key), map.PathOf(key), $"'{text}' is not a duration; {Policy.Duration.Help}");
            return null;
        }

        if (!allowZero && value == TimeSpan.Zero)
        {
            problems.Add(ValueMark(map, key), map.PathOf(key), "must be longer than zero");
            return null;
        }

        return value;
    }

    public CronExpression? Cron(MapNode map, string key)
    {
        var text = Text(map, key, required: false, expected: "a cron expression");
        if (text is null)
        {
            return null;
        }

        if (CronExpression.TryParse(text, out var schedule, out var error))
        {
            return schedule;
        }

        problems.Add(ValueMark(map, key), map.PathOf(key), error);
        return null;
    }

    public T? Choice<T>(MapNode map, string key, IReadOnlyList<(string Name, T Value)> choices, bool required = false)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(choices);
        var names = choices.Select(c => c.Name).ToList();
        var text = Text(map, key, required, $"; use one of {string.Join(", ", names)}", "one of " + string.Join(", ", names));
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

        problems.Add(
            ValueMark(map, key),
            map.PathOf(key),
            $"'{text}' is not allowed; use one of {string.Join(", ", names)}{KeySuggestion.DidYouMean(text, names)}");
        return null;
    }

    /// <summary>A list of non-empty texts, each checked by <paramref name="check"/> (returns an error or null); duplicates are reported.</summary>
    public IReadOnlyList<string>? TextList(MapNode map, string key, string example, Func<string, string?>? check = null, bool required = false)
    {
        var items = Items(map, key, required, example);
        if (items is null)
        {
            return null;
        }

        var result = new List<string>(items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var failed = false;
        foreach (var (node, path) in items)
        {
            var text = Text(node, path, required: true);
            if (text is null)
            {
                failed = true;
                continue;
            }

            if (check?.Invoke(text) is { } error)
            {
                problems.Add(node.Start, path, error);
                failed = true;
                continue;
            }

            if (!seen.Add(text))
            {
                problems.Add(node.Start, path, $"'{text}' is listed twice");
                failed = true;
                continue;
            }

            result.Add(text);
        }

        return failed ? null : result;
    }

    /// <summary>An absolute path; trailing slashes are dropped.</summary>
    public string? AbsolutePath(MapNode map, string key, bool required = false, string missingHint = "")
    {
        var text = Text(map, key, required, missingHint);
        if (text is null)
        {
            return null;
        }

        if (!text.StartsWith('/'))
        {
            problems.Add(ValueMark(map, key), map.PathOf(key), $"must be an absolute path (starting with /), got '{text}'");
            return null;
        }

        var trimmed = text.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }

    /// <summary>
    /// A secret given inline as <paramref name="key"/> or read from the file named by its <c>&lt;key&gt;_file</c> twin.
    /// Messages name the key and the file, never the value.
    /// </summary>
    public Secret? Secret(MapNode map, string key)
    {
        ArgumentNullException.ThrowIfNull(map);
        var fileKey = key + "_file";
        var inline = map.Find(key);
        var file = map.Find(fileKey);
        if (inline is not null && file is not null)
        {
            problems.Add(file.KeyNode.Start, map.PathOf(fileKey), $"set either '{key}' or '{fileKey}', not both");
            return null;
        }

        if (inline is not null)
        {
            var value = Text(inline.Value, map.PathOf(key), required: true);
            return value is null ? null : new Secret(value);
        }

        if (file is null)
        {
            return null;
        }

        var path = Text(file.Value, map.PathOf(fileKey), required: true);
        if (path is null)
        {
            return null;
        }

        if (!path.StartsWith('/'))
        {
            problems.Add(file.Value.Start, map.PathOf(fileKey), $"must be an absolute path (e.g. /run/secrets/{key}), got '{path}'");
            return null;
        }

        string content;
        try
        {
            content = environment.ReadFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SecurityException or NotSupportedException or ArgumentException)
        {
            problems.Add(file.Value.Start, map.PathOf(fileKey), $"cannot read the {key} from '{path}': {e.Message}");
            return null;
        }

        // Files written by `echo` or editors end in a newline that is not part of the secret.
        if (content.EndsWith("\r\n", StringComparison.Ordinal))
        {
            content = content[..^2];
        }
        else if (content.EndsWith('\n'))
        {
            content = content[..^1];
        }

        if (content.Length == 0)
        {
            problems.Add(file.Value.Start, map.PathOf(fileKey), $"the {key} file '{path}' is empty");
            return null;
        }

        return new Secret(content);
    }

    public static Mark ValueMark(MapNode map, string key)
    {
        ArgumentNullException.ThrowIfNull(map);
        return map.Find(key)?.Value.Start ?? map.Mark;
    }

    private static string KindOf(YamlNode node) => node switch
    {
        YamlMappingNode => "a map",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar when IsNull(scalar) => "nothing",
        YamlScalarNode => "a text value",
        _ => "an alias",
    };

    private void ReportMissingOrEmpty(MapNode parent, string key, MapEntry? entry, string hint)
    {
        if (entry is null)
        {
            ReportMissing(parent, key, hint);
        }
        else
        {
            problems.Add(entry.Value.Start, parent.PathOf(key), "must not be empty" + hint);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
