using YamlDotNet.Core;

namespace VolumeAgent.Policy.Reading;

/// <summary>
/// Gathers problems while backup.yml is read, so that one pass reports all of them. Only the
/// <see cref="PolicyException.MaxListed"/> first by position are kept (with long values in their messages
/// shortened); the rest are counted, so a file of nothing but mistakes costs neither memory nor a flood of output.
/// </summary>
internal sealed class ProblemCollector
{
    private readonly List<PolicyProblem> kept = [];

    /// <summary>Every problem found, also those not kept.</summary>
    public int Count { get; private set; }

    /// <summary>The first problems by position (line, column, then the order they were found in).</summary>
    public IReadOnlyList<PolicyProblem> Problems => kept;

    public void Add(Mark mark, string path, string message) =>
        Add(checked((int)mark.Line), checked((int)mark.Column), path, message);

    public void Add(int line, int column, string path, string message)
    {
        Count++;

        // After the last kept problem at or before this position: stable, like a sort of everything found.
        var index = kept.Count;
        while (index > 0 && IsAfter(kept[index - 1], line, column))
        {
            index--;
        }

        if (index >= PolicyException.MaxListed)
        {
            return;
        }

        kept.Insert(index, new PolicyProblem(line, column, ProblemText.Path(path), ProblemText.Message(message)));
        if (kept.Count > PolicyException.MaxListed)
        {
            kept.RemoveAt(kept.Count - 1);
        }
    }

    private static bool IsAfter(PolicyProblem problem, int line, int column) =>
        problem.Line > line || (problem.Line == line && problem.Column > column);
}
