using System.Globalization;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Tests.Policy;

/// <summary>
/// A corpus of broken backup.yml files (Policy/Corpus/*.yml), each read from disk as `validate` reads it. A file's
/// first line says what is wrong with it; each following `# expect:` line is one problem the agent must report, as
/// `LINE:COLUMN PATH: MESSAGE` (what `validate` prints after the file name), and no other problem may be reported.
/// </summary>
public sealed class PolicyCorpusTests
{
    private const string ExpectPrefix = "# expect: ";

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(CorpusDirectory(), "*.yml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void Corpus_HoldsAtLeastFortyBrokenFiles() => Files().Count.Should().BeGreaterThanOrEqualTo(40);

    [Theory]
    [MemberData(nameof(Files))]
    public void LoadFile_BrokenFile_ReportsExactlyTheExpectedProblems(string name)
    {
        var path = Path.Combine(CorpusDirectory(), name);
        var expected = File.ReadLines(path)
            .TakeWhile(line => line.StartsWith('#'))
            .Where(line => line.StartsWith(ExpectPrefix, StringComparison.Ordinal))
            .Select(line => line[ExpectPrefix.Length..])
            .ToList();
        expected.Should().NotBeEmpty($"{name} must say which problems it expects");

        var act = () => PolicyLoader.LoadFile(path, new PolicyEnvironment { GetVariable = _ => null });

        var failure = act.Should().Throw<PolicyException>().Which;
        failure.Total.Should().Be(failure.Problems.Count);
        failure.Problems.Select(Format).Should().Equal(expected);
    }

    private static string Format(PolicyProblem problem)
    {
        var position = string.Create(CultureInfo.InvariantCulture, $"{problem.Line}:{problem.Column}");
        return problem.Path.Length == 0 ? $"{position} {problem.Message}" : $"{position} {problem.Path}: {problem.Message}";
    }

    private static string CorpusDirectory() => Path.Combine(RepositoryRoot.Find(), "tests", "VolumeAgent.Tests", "Policy", "Corpus");
}
