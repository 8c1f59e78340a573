using System.Globalization;
using System.Text;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Policy;

/// <summary>
/// backup.yml cannot be used. Carries the problems found, in file order, so all can be fixed in one pass; of a
/// file with more than <see cref="MaxListed"/>, the first that many by position and the count of the others.
/// </summary>
internal sealed class PolicyException : Exception
{
    /// <summary>The most problems listed; a file with more is mostly not backup.yml, and its first ones say so.</summary>
    public const int MaxListed = 50;

    /// <param name="total">How many problems were found in all, when <paramref name="problems"/> holds only some of them.</param>
    public PolicyException(string sourceName, IEnumerable<PolicyProblem> problems, int total = 0)
        : this(sourceName, Sort(problems), total)
    {
    }

    private PolicyException(string sourceName, List<PolicyProblem> sorted, int total)
        : base(FormatMessage(sourceName, sorted.Take(MaxListed).ToList(), Math.Max(total, sorted.Count)))
    {
        SourceName = sourceName;
        Problems = sorted.Take(MaxListed).ToList();
        Total = Math.Max(total, sorted.Count);
    }

    /// <summary>The file name or label the problems' positions refer to.</summary>
    public string SourceName { get; }

    /// <summary>The problems sorted by position, at most <see cref="MaxListed"/>; never empty.</summary>
    public IReadOnlyList<PolicyProblem> Problems { get; }

    /// <summary>How many problems were found, also those not in <see cref="Problems"/>.</summary>
    public int Total { get; }

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

    private static string FormatMessage(string sourceName, List<PolicyProblem> problems, int total)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"backup.yml has {total} problem(s)");
        text.Append(total > problems.Count ? string.Create(CultureInfo.InvariantCulture, $"; the first {problems.Count}:") : ":");
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

        if (total > problems.Count)
        {
            text.Append('\n').Append(CultureInfo.InvariantCulture, $"  (and {total - problems.Count} more problem(s) not listed; fix these and run validate again)");
        }

        return text.ToString();
    }
}
