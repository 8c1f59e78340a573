using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VolumeAgent.Policy.Reading;

/// <summary>A YAML mapping with its key path and the position to report missing keys at.</summary>
internal sealed class MapNode
{
    private readonly Dictionary<string, MapEntry> byKey = new(StringComparer.Ordinal);
    private readonly List<MapEntry> entries = [];

    public MapNode(YamlMappingNode node, string path, Mark mark, ProblemCollector problems)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(problems);
        Path = path;
        Mark = mark;
        foreach (var (keyNode, value) in node.Children)
        {
            if (keyNode is YamlScalarNode { Value: { } key } scalarKey)
            {
                // Duplicates were already reported and dropped while reading the events.
                var entry = new MapEntry(key, scalarKey, value);
                if (byKey.TryAdd(key, entry))
                {
                    entries.Add(entry);
                }
            }
            else
            {
                problems.Add(keyNode.Start, path, "a key must be plain text, not a list or map");
            }
        }
    }

    public string Path { get; }

    /// <summary>Where a missing key is reported: the key that owns this mapping, or the mapping itself.</summary>
    public Mark Mark { get; }

    public IReadOnlyList<MapEntry> Entries => entries;

    public bool Has(string key) => byKey.ContainsKey(key);

    public MapEntry? Find(string key) => byKey.GetValueOrDefault(key);

    public string PathOf(string key) => PolicyPath.Key(Path, key);
}
