using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VolumeAgent.Policy.Reading;

/// <summary>
/// Walks the YAML tree: maps, lists and text (after <c>${VAR}</c> expansion), and keys that do not belong.
/// Every method reports what is wrong to the <see cref="ProblemCollector"/> and returns null instead of
/// throwing, so reading continues and all problems surface at once. A null return means "absent" or "already
/// reported", never a silent default. <see cref="TypedValues"/> and <see cref="SecretValues"/> read typed
/// values from the text on the same terms.
/// </summary>
internal sealed partial class NodeReader(ProblemCollector problems, PolicyEnvironment environment)
{
    public const string NameRule = "letters, digits, '_', '.' and '-', starting with a letter or digit";

    public ProblemCollector Problems => problems;

    /// <summary>Where <c>${VAR}</c> values and secret files come from.</summary>
    public PolicyEnvironment Environment => environment;

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