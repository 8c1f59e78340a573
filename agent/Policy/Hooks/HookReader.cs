using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Policy.Hooks;

/// <summary>Reads a job's <c>hooks</c>: the <c>before</c> and <c>after</c> lists.</summary>
internal static class HookReader
{
    private const string Example = "[{ container: app, command: [\"sh\", \"-c\", \"...\"] }]";
    private const string CommandExample = "[\"sh\", \"-c\", \"echo ready\"]";

    /// <summary>A job's <c>hooks</c> map; <see cref="JobHooks.None"/> when it has none.</summary>
    public static JobHooks Read(NodeReader reader, MapNode job)
    {
        var map = reader.Map(job, "hooks");
        if (map is null)
        {
            return JobHooks.None;
        }

        reader.RejectUnknownKeys(map, PolicyKeys.Hooks);
        return new JobHooks
        {
            Before = ReadList(reader, map, "before"),
            After = ReadList(reader, map, "after"),
        };
    }

    private static List<HookOptions> ReadList(NodeReader reader, MapNode hooks, string key)
    {
        var items = reader.Items(hooks, key, example: Example);
        if (items is null)
        {
            return [];
        }

        var result = new List<HookOptions>(items.Count);
        foreach (var (node, path) in items)
        {
            var map = reader.AsMap(node, path, node.Start, "a map such as { container: app, command: [...] }");
            if (map is null)
            {
                continue;
            }

            reader.RejectUnknownKeys(map, PolicyKeys.Hook);
            var container = reader.Name(map, "container", "container or service", required: true);
            var command = ReadCommand(reader, map);
            var timeout = reader.Duration(map, "timeout", allowZero: false) ?? PolicyDefaults.HookTimeout;
            var user = reader.Text(map, "user");
            if (user is not null && user.Any(char.IsWhiteSpace))
            {
                reader.Report(NodeReader.ValueMark(map, "user"), map.PathOf("user"), $"'{user}' is not a user; write a name, a uid, or user:group, e.g. www-data or 1000:1000");
                user = null;
            }
            if (container is not null && command is not null)
            {
                result.Add(new HookOptions { Container = container, Command = command, Timeout = timeout, User = user });
            }
        }

        return result;
    }

    private static List<string>? ReadCommand(NodeReader reader, MapNode map)
    {
        var items = reader.Items(map, "command", required: true, example: CommandExample);
        if (items is null)
        {
            return null;
        }

        if (items.Count == 0)
        {
            reader.Report(NodeReader.ValueMark(map, "command"), map.PathOf("command"), $"must not be empty; e.g. {CommandExample}");
            return null;
        }

        var command = new List<string>(items.Count);
        foreach (var (node, path) in items)
        {
            // Arguments may legitimately be empty strings; only the program itself must be named.
            var text = reader.Text(node, path, required: command.Count == 0);
            if (text is null && command.Count == 0)
            {
                return null;
            }

            command.Add(text ?? string.Empty);
        }

        return command;
    }
}
