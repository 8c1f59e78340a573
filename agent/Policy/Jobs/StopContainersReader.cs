using VolumeAgent.Docker.Engines;
using VolumeAgent.Policy.Engines;
using VolumeAgent.Policy.Reading;
using YamlDotNet.RepresentationModel;

namespace VolumeAgent.Policy.Jobs;

/// <summary>
/// Reads a job's <c>stop_containers</c>: each entry a container or compose service name on the default engine, or a map
/// <c>{ container: NAME, engine: ENGINE }</c> for one on another engine of the root <c>engines</c>.
/// </summary>
internal static class StopContainersReader
{
    private const string Example = "[app, worker]";

    public static IReadOnlyList<ContainerToStop>? Read(NodeReader reader, MapNode job, IReadOnlyList<string> engineNames)
    {
        var items = reader.Items(job, "stop_containers", example: Example);
        if (items is null)
        {
            return null;
        }

        var result = new List<ContainerToStop>(items.Count);
        var failed = false;
        foreach (var (node, path) in items)
        {
            var entry = node is YamlMappingNode ? ReadMap(reader, node, path, engineNames) : ReadName(reader, node, path);
            if (entry is null)
            {
                failed = true;
            }
            else if (result.Contains(entry))
            {
                reader.Report(node.Start, path, $"'{entry}' is listed twice");
                failed = true;
            }
            else
            {
                result.Add(entry);
            }
        }

        return failed ? null : result;
    }

    private static ContainerToStop? ReadName(NodeReader reader, YamlNode node, string path)
    {
        var text = reader.Text(node, path, required: true);
        return text is null ? null : Checked(reader, text, node, path) is { } name ? new ContainerToStop(name) : null;
    }

    private static ContainerToStop? ReadMap(NodeReader reader, YamlNode node, string path, IReadOnlyList<string> engineNames)
    {
        var map = reader.AsMap(node, path, node.Start);
        if (map is null)
        {
            return null;
        }

        reader.RejectUnknownKeys(map, PolicyKeys.StopContainer);
        var problemsBefore = reader.Problems.Count;
        var name = reader.Text(map, "container", required: true, missingHint: "; name the container or compose service to stop");
        var engine = reader.Text(map, "engine") ?? EngineRegistry.DefaultName;
        if (name is not null)
        {
            Checked(reader, name, map.Find("container")!.Value, map.PathOf("container"));
        }

        if (EnginesReader.CheckReference(engine, engineNames) is { } unknown)
        {
            reader.Report(NodeReader.ValueMark(map, "engine"), map.PathOf("engine"), unknown);
        }

        return reader.Problems.Count > problemsBefore || name is null ? null : new ContainerToStop(name, engine);
    }

    private static string? Checked(NodeReader reader, string text, YamlNode node, string path)
    {
        if (NodeReader.IsName(text))
        {
            return text;
        }

        reader.Report(node.Start, path, $"'{text}' is not a valid container or service name; use {NodeReader.NameRule}");
        return null;
    }
}
