using System.Security;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Policy.Notify;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Policy;

/// <summary>Loads backup.yml strictly: every problem in the file is collected and reported in one <see cref="PolicyException"/>.</summary>
internal static class PolicyLoader
{
    private static readonly (string Name, LogFormat Value)[] LogFormats = [("text", LogFormat.Text), ("json", LogFormat.Json)];

    /// <exception cref="PolicyException">The file cannot be read or has problems.</exception>
    public static BackupPolicy LoadFile(string path, PolicyEnvironment? env = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = PolicyFileReader.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SecurityException or NotSupportedException or ArgumentException)
        {
            var problem = Directory.Exists(path)
                ? $"is a directory, not a file; expected a backup.yml file. Point --config (or VOLUME_AGENT_CONFIG) at the file, e.g. {Path.Combine(path, "backup.yml")}."
                : $"cannot read the file: {e.Message} Create it or point the agent at another file.";
            throw new PolicyException(path, [new PolicyProblem(0, 0, string.Empty, problem)]);
        }

        return Load(text, path, env);
    }

    /// <param name="sourceName">Names the text in problem messages, usually its file path.</param>
    /// <exception cref="PolicyException">The text has problems.</exception>
    public static BackupPolicy Load(string yamlText, string sourceName, PolicyEnvironment? env = null)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(sourceName);
        var problems = new ProblemCollector();
        var reader = new NodeReader(problems, env ?? PolicyEnvironment.Default);
        var root = YamlDocumentReader.Read(yamlText, problems);
        var policy = root is null ? null : ReadRoot(reader, reader.AsMap(root, string.Empty, root.Start, "a map with 'storage' and 'jobs'"));
        if (problems.Count > 0 || policy is null)
        {
            throw new PolicyException(sourceName, problems.Problems, problems.Count);
        }

        return policy;
    }

    private static BackupPolicy? ReadRoot(NodeReader reader, MapNode? map)
    {
        if (map is null)
        {
            return null;
        }

        reader.RejectUnknownKeys(map, PolicyKeys.Root);
        var timeZone = ReadTimeZone(reader, map);
        var helperImage = reader.Text(map, "helper_image");
        if (helperImage is not null && helperImage.Any(char.IsWhiteSpace))
        {
            reader.Report(NodeReader.ValueMark(map, "helper_image"), map.PathOf("helper_image"), $"'{helperImage}' is not an image reference (it contains spaces)");
        }

        var stateDir = reader.AbsolutePath(map, "state_dir");
        var logFormat = reader.Choice(map, "log_format", LogFormats);
        var project = reader.Text(map, "project");
        if (project is not null && !IsComposeProjectName(project))
        {
            reader.Report(NodeReader.ValueMark(map, "project"), map.PathOf("project"), $"'{project}' is not a compose project name; use lower-case letters, digits, '_' and '-', starting with a letter or digit");
        }

        var stallTimeout = reader.Duration(map, "stall_timeout", allowZero: false) ?? PolicyDefaults.StallTimeout;
        var http = HttpReader.Read(reader, map);
        var engines = Engines.EnginesReader.Read(reader, map);
        var (storage, storageNames) = StorageReader.Read(reader, map);
        var notify = NotifyReader.Read(reader, map);
        var jobs = JobReader.ReadAll(reader, map, storageNames, stallTimeout, map.Has(NotifyReader.Key) ? notify.Keys.ToList() : [], engines.Select(e => e.Name).ToList());
        return new BackupPolicy
        {
            TimeZone = timeZone ?? TimeZoneInfo.Utc,
            HelperImage = helperImage ?? PolicyDefaults.HelperImage,
            StateDir = stateDir ?? PolicyDefaults.StateDir,
            LogFormat = logFormat ?? LogFormat.Text,
            Project = project,
            StallTimeout = stallTimeout,
            Http = http,
            Engines = engines,
            Storage = storage,
            Jobs = jobs,
            Notify = notify,
        };
    }

    private static TimeZoneInfo? ReadTimeZone(NodeReader reader, MapNode map)
    {
        var id = reader.Text(map, "timezone");
        if (id is null)
        {
            return null;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or IOException or UnauthorizedAccessException or SecurityException)
        {
            var hint = id.Contains('/', StringComparison.Ordinal) || id.Contains("UTC", StringComparison.OrdinalIgnoreCase)
                ? "; check the spelling, and that the system's time zone database (tzdata) is installed"
                : "; use an IANA name such as Europe/Berlin, America/New_York or UTC";
            reader.Report(NodeReader.ValueMark(map, "timezone"), map.PathOf("timezone"), $"unknown time zone '{id}'{hint}");
            return null;
        }
    }

    private static bool IsComposeProjectName(string name) =>
        name.Length > 0
        && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-');
}
