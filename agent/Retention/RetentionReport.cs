using System.Globalization;
using System.Text;

namespace VolumeAgent.Retention;

/// <summary>The plan as a table for <c>prune --dry-run</c>: one line per set, in the plan's order.</summary>
internal static class RetentionReport
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss zzz";

    /// <summary>
    /// Times are shown on the zone's wall clock with their offset, so the two passes through an hour
    /// repeated when clocks fall back stay apart.
    /// </summary>
    public static string Format(IReadOnlyList<RetentionDecision> decisions, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(zone);
        if (decisions.Count == 0)
        {
            return "no backup sets\n";
        }

        var times = decisions
            .Select(d => TimeZoneInfo.ConvertTime(d.Set.StartedAt, zone).ToString(TimeFormat, CultureInfo.InvariantCulture))
            .ToList();
        var timeHeader = $"TIME ({zone.Id})";
        var timeWidth = Math.Max(timeHeader.Length, times.Max(t => t.Length));
        var idWidth = Math.Max("SET".Length, decisions.Max(d => d.Set.Id.Length));
        const int actionWidth = 6;
        const int stateWidth = 10;

        var builder = new StringBuilder();
        AppendLine(builder, timeHeader.PadRight(timeWidth), "SET".PadRight(idWidth), "ACTION".PadRight(actionWidth),
            "STATE".PadRight(stateWidth), "REASONS");
        for (var i = 0; i < decisions.Count; i++)
        {
            var decision = decisions[i];
            AppendLine(
                builder,
                times[i].PadRight(timeWidth),
                decision.Set.Id.PadRight(idWidth),
                (decision.Keep ? "KEEP" : "DELETE").PadRight(actionWidth),
                StateName(decision.Set.State).PadRight(stateWidth),
                string.Join(", ", decision.Reasons));
        }

        return builder.ToString();
    }

    private static void AppendLine(StringBuilder builder, string time, string id, string action, string state, string reasons)
    {
        builder.Append(time).Append("  ").Append(id).Append("  ").Append(action).Append("  ").Append(state).Append("  ")
            .Append(reasons).Append('\n');
    }

    private static string StateName(RetentionSetState state) => state switch
    {
        RetentionSetState.Succeeded => "succeeded",
        RetentionSetState.Failed => "failed",
        RetentionSetState.Incomplete => "incomplete",
        _ => state.ToString(),
    };
}
