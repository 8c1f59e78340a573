using YamlDotNet.Core;

namespace VolumeAgent.Policy;

/// <summary>Gathers problems while backup.yml is read, so that one pass reports all of them.</summary>
internal sealed class ProblemCollector
{
    private readonly List<PolicyProblem> problems = [];

    public int Count => problems.Count;

    public IReadOnlyList<PolicyProblem> Problems => problems;

    public void Add(Mark mark, string path, string message) =>
        problems.Add(new PolicyProblem(checked((int)mark.Line), checked((int)mark.Column), path, message));

    public void Add(int line, int column, string path, string message) =>
        problems.Add(new PolicyProblem(line, column, path, message));
}
