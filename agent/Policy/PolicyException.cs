using System.Globalization;
using System.Text;

namespace VolumeAgent.Policy;

/// <summary>backup.yml cannot be used. Carries every problem found, in file order, so all can be fixed in one pass.</summary>
internal sealed class PolicyException : Exception
{
    public PolicyException(string sourceName, IEnumerable<PolicyProblem> problems)
        : this(sourceName, Sort(problems))
    {
    }

    private PolicyException(string sourceName, IReadOnlyList<PolicyProblem> problems)
        : base(FormatMessage(sourceName, problems))
    {
        SourceName = sourceName;
        Problems = problems;
    }

    /// <summary>The file name or label the problems' positions refer to.</summary>
    public string SourceName { get; }

    /// <summary>The problems sorted by position; never empty.</summary>
    public IReadOnlyList<PolicyProblem> Problems { get; }

    private static List<PolicyProblem> Sort(IEnumerable<PolicyProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);

        // OrderBy is stable: problems at one position keep the order they were found in.
        var sorted = problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ToList();
        if (sorted.Count == 0)
        {
            throw new ArgumentException("A policy exception needs at least one problem.", nameof(problems));
        }

        return sorted;
    }

    private static string FormatMessage(string sourceName, IReadOnlyList<PolicyProblem> problems)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"backup.yml has {problems.Count} problem(s):");
        foreach (var problem in problems)
        {
            text.Append('\n').Append("  ").Append(sourceName);
            if (problem.Line > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $":{problem.Line}:{problem.Column}");
            }

            text.Append(' ');
            if (problem.Path.Length > 0)
            {
                text.Append(problem.Path).Append(": ");
            }

            text.Append(problem.Message);
        }

        return text.ToString();
    }
}
