using System.Globalization;
using VolumeAgent.Retention;

namespace VolumeAgent.Tests.Retention;

/// <summary>
/// A history, its rules and the decisions written out by hand, one line per set in the expected order:
/// <c>"id KEEP: reason, reason"</c> or <c>"id DELETE: reason"</c>.
/// </summary>
public sealed record PlanCase(
    string Name,
    string ZoneId,
    string Now,
    RetentionRulesData Rules,
    CandidateData[] Sets,
    string[] Expected)
{
    public override string ToString() => Name;

    internal IEnumerable<RetentionCandidate> Candidates => Sets.Select(s => s.ToCandidate());

    internal DateTimeOffset NowValue => DateTimeOffset.Parse(Now, CultureInfo.InvariantCulture);

    internal TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(ZoneId);
}

/// <summary>One set: an id, an ISO 8601 instant with its offset, a state.</summary>
public sealed record CandidateData(string Id, string StartedAt, string State)
{
    internal RetentionCandidate ToCandidate() => new(
        Id,
        DateTimeOffset.Parse(StartedAt, CultureInfo.InvariantCulture),
        State switch
        {
            "ok" => RetentionSetState.Succeeded,
            "failed" => RetentionSetState.Failed,
            "incomplete" => RetentionSetState.Incomplete,
            _ => throw new ArgumentException($"Unknown state '{State}' in test data.", nameof(State)),
        });
}

/// <summary>The rules of a case; public so xunit can show it, mapped onto the internal record.</summary>
public sealed record RetentionRulesData(
    int Last = 0,
    int Hourly = 0,
    int Daily = 0,
    int Weekly = 0,
    int Monthly = 0,
    int Yearly = 0,
    string? Within = null)
{
    internal RetentionRules ToRules() => new(
        Last, Hourly, Daily, Weekly, Monthly, Yearly,
        Within is null ? null : TimeSpan.Parse(Within, CultureInfo.InvariantCulture));
}
