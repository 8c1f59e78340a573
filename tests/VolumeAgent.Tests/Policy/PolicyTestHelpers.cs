using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Tests.Policy;

internal static class PolicyTestHelpers
{
    public const string SourceName = "test.yml";

    /// <summary>A small valid policy: one local storage, one job with one volume.</summary>
    public const string Minimal = """
        storage:
          local: { type: local, path: /backups }
        jobs:
          nightly:
            sources:
              - volume: data
        """;

    public static BackupPolicy Load(string yaml, PolicyEnvironment? env = null) =>
        PolicyLoader.Load(yaml, SourceName, env ?? FakePolicyEnvironment.Empty());

    public static PolicyException LoadFailure(string yaml, PolicyEnvironment? env = null)
    {
        var act = () => PolicyLoader.Load(yaml, SourceName, env ?? FakePolicyEnvironment.Empty());
        return act.Should().Throw<PolicyException>().Which;
    }

    /// <summary>A policy with one local storage and the job <c>nightly</c> made of <paramref name="jobLines"/>.</summary>
    public static string WithJob(string jobLines) =>
        "storage:\n  local: { type: local, path: /backups }\njobs:\n  nightly:\n" + Indent(jobLines, 4);

    /// <summary>A policy whose job <c>nightly</c> has the sources list <paramref name="sourceLines"/> (items starting with "- ").</summary>
    public static string WithSources(string sourceLines) => WithJob("sources:\n" + Indent(sourceLines, 2));

    public static string Indent(string lines, int spaces)
    {
        var prefix = new string(' ', spaces);
        return string.Join('\n', lines.Split('\n').Select(line => line.Length == 0 ? line : prefix + line)) + "\n";
    }

    /// <summary>
    /// The 1-based line and column <paramref name="marker"/> points at: the spot of its '|' (or its first character
    /// without one) in its <paramref name="occurrence"/>-th appearance in <paramref name="text"/>.
    /// </summary>
    public static (int Line, int Column) PositionOf(string text, string marker, int occurrence = 1)
    {
        var offset = Math.Max(0, marker.IndexOf('|', StringComparison.Ordinal));
        marker = marker.Replace("|", string.Empty, StringComparison.Ordinal);
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = text.IndexOf(marker, index + 1, StringComparison.Ordinal);
            if (index < 0)
            {
                throw new ArgumentException($"'{marker}' occurs fewer than {occurrence} time(s) in the test text.", nameof(marker));
            }
        }

        index += offset;
        var lineStart = index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;
        var line = text[..index].Count(c => c == '\n') + 1;
        return (line, index - lineStart + 1);
    }
}
