using VolumeAgent.Policy.Reading;
using YamlDotNet.RepresentationModel;
using VolumeAgent.Sources;

namespace VolumeAgent.Policy;

/// <summary>Reads a job's <c>sources</c> list: each item has exactly one kind key plus that kind's options.</summary>
internal static class SourceReader
{
    private const string Example = "[{ volume: app_data }]";

    private static readonly Dictionary<string, IReadOnlyList<string>> KindKeys = new(PolicyKeys.SourceKinds, StringComparer.Ordinal);

    private static readonly string[] AllKeys = [.. KindKeys.Keys, .. PolicyKeys.SourceCommon, .. KindKeys.Values.SelectMany(k => k).Distinct()];

    /// <param name="stallTimeout">The job's stall_timeout, the default of a source that sets none.</param>
    /// <param name="engineNames">The engines under the root <c>engines</c>, which a source's <c>engine</c> may name besides the default.</param>
    public static IReadOnlyList<SourceOptions> ReadAll(NodeReader reader, MapNode job, TimeSpan stallTimeout, IReadOnlyList<string>? engineNames = null)
    {
        var items = reader.Items(job, "sources", required: true, example: Example);
        if (items is null)
        {
            return [];
        }

        if (items.Count == 0)
        {
            reader.Report(NodeReader.ValueMark(job, "sources"), job.PathOf("sources"), $"list at least one source, e.g. {Example}");
            return [];
        }

        var sources = new List<SourceOptions>(items.Count);
        var artifacts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (node, path) in items)
        {
            var source = ReadOne(reader, node, path, stallTimeout, engineNames ?? []);
            if (source is null)
            {
                continue;
            }

            if (artifacts.TryGetValue(source.ArtifactName, out var otherPath))
            {
                reader.Report(node.Start, path, $"produces the artifact '{source.ArtifactName}' like {otherPath}; give one of them a distinct 'name'");
                continue;
            }

            artifacts.Add(source.ArtifactName, path);
            sources.Add(source);
        }

        return sources;
    }

    private static SourceOptions? ReadOne(NodeReader reader, YamlNode node, string path, TimeSpan jobStallTimeout, IReadOnlyList<string> engineNames)
    {
        var map = reader.AsMap(node, path, node.Start, "a map such as { volume: app_data }");
        if (map is null)
        {
            return null;
        }

        var kinds = map.Entries.Where(e => KindKeys.ContainsKey(e.Key)).ToList();
        if (kinds.Count == 0)
        {
            reader.Report(node.Start, path, $"says nothing to back up; give exactly one of {string.Join(", ", PolicyKeys.SourceKinds.Select(k => k.Key))}");
            reader.RejectUnknownKeys(map, AllKeys);
            return null;
        }

        if (kinds.Count > 1)
        {
            reader.Report(
                kinds[1].KeyNode.Start,
                map.PathOf(kinds[1].Key),
                $"a source has exactly one kind, but this one has both '{kinds[0].Key}' and '{kinds[1].Key}'; make them two list items");
            return null;
        }

        var kind = kinds[0].Key;
        string[] allowed = [kind, .. PolicyKeys.SourceCommon, .. KindKeys[kind]];
        reader.RejectUnknownKeys(map, allowed, key => ExplainForeignKey(kind, key));

        var problemsBefore = reader.Problems.Count;
        var customName = reader.Text(map, "name");
        if (customName is not null && !ArtifactNames.IsValid(customName))
        {
            reader.Report(NodeReader.ValueMark(map, "name"), map.PathOf("name"), $"'{customName}' is not a valid artifact name; use {ArtifactNames.Rule}");
        }

        var stallTimeout = reader.Duration(map, "stall_timeout", allowZero: false) ?? jobStallTimeout;
        var timeout = reader.Duration(map, "timeout", allowZero: false);
        var engine = reader.Text(map, "engine");
        if (engine is not null && Engines.EnginesReader.CheckReference(engine, engineNames) is { } unknown)
        {
            reader.Report(NodeReader.ValueMark(map, "engine"), map.PathOf("engine"), unknown);
        }

        var source = SourceKinds.Find(kind)!.Read(reader, map);

        return reader.Problems.Count > problemsBefore || source is null
            ? null
            : source with { CustomName = customName, StallTimeout = stallTimeout, Timeout = timeout, Engine = engine ?? Docker.Engines.EngineRegistry.DefaultName };
    }

    private static string? ExplainForeignKey(string kind, string key)
    {
        var owners = KindKeys.Where(k => k.Value.Contains(key)).Select(k => k.Key).ToList();
        if (KindKeys.ContainsKey(key) || owners.Count == 0)
        {
            return null;
        }

        return $"'{key}' does not apply to a {kind} source (it is for {string.Join(" and ", owners)} sources)";
    }
}
