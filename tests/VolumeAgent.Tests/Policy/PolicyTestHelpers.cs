using VolumeAgent.Policy;

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

    /// <summary>The 1-based line and column of the first character of <paramref name="marker"/>'s <paramref name="occurrence"/>-th appearance.</summary>
    public static (int Line, int Column) PositionOf(string text, string marker, int occurrence = 1)
    {
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = text.IndexOf(marker, index + 1, StringComparison.Ordinal);
            if (index < 0)
            {
                throw new ArgumentException($"'{marker}' occurs fewer than {occurrence} time(s) in the test text.", nameof(marker));
            }
        }

        var lineStart = index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;
        var line = text[..index].Count(c => c == '\n') + 1;
        return (line, index - lineStart + 1);
    }
}
