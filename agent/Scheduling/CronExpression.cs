using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NCrontab;

namespace VolumeAgent.Scheduling;

/// <summary>
/// A five-field cron expression or <c>@</c> shorthand with classic cron's meaning, read in wall-clock terms
/// (no time zone: <see cref="ZonedCron"/> adds one). This is the only cron parser: <c>validate</c>, the scheduler
/// and <c>status</c> all read schedules through it, so a schedule that validates is the schedule that runs.
/// </summary>
/// <remarks>
/// NCrontab does the field arithmetic; this type gives the text cron's meaning where NCrontab's differs:
/// 7 is Sunday as well as 0; when both day fields are restricted a day matching either fires (NCrontab requires
/// both); a range that wraps around the end of its field (<c>23-3</c> hours, <c>FRI-MON</c>) runs through the
/// end and on from the start (NCrontab silently reads <c>23-3</c> as <c>3-23</c>).
/// </remarks>
internal sealed class CronExpression
{
    private const string FieldHelp =
        "Fields are minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC) and day of week "
        + "(0-7 or SUN-SAT, Sunday is 0 or 7)";

    private static readonly string[] FieldNames = ["minute", "hour", "day-of-month", "month", "day-of-week"];

    // Any date pattern of month, day of month and weekday recurs within 28 years (the weekday cycle of the
    // Gregorian calendar between the century years that skip a leap day), so looking further finds nothing new.
    private const int SearchYears = 29;

    private readonly CrontabSchedule[] _parts;

    private CronExpression(string expression, string fields, CrontabSchedule[] parts, bool everyHour)
    {
        Expression = expression;
        Fields = fields;
        _parts = parts;
        FiresEveryHour = everyHour;
    }

    /// <summary>The expression as written (shorthand or fields).</summary>
    public string Expression { get; }

    /// <summary>The five fields the expression stands for, as NCrontab reads them (7 and wrapped ranges rewritten).</summary>
    public string Fields { get; }

    /// <summary>True when the hour field matches all 24 hours (an interval schedule).</summary>
    public bool FiresEveryHour { get; }

    /// <exception cref="FormatException">The expression is not a valid five-field cron schedule or shorthand, or no
    /// date ever matches it; the message names the expression and what is wrong.</exception>
    public static CronExpression Parse(string expression) =>
        TryParse(expression, out var cron, out var error) ? cron : throw new FormatException(error);

    public static bool TryParse(string? expression, [NotNullWhen(true)] out CronExpression? cron, [NotNullWhen(false)] out string? error)
    {
        cron = null;
        var trimmed = expression?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            error = "The cron expression is empty. " + Expected();
            return false;
        }

        var fields = CronMacros.TryExpand(trimmed);
        if (fields is null && trimmed.StartsWith('@'))
        {
            error = $"Cron expression \"{expression}\" is not a known shorthand; use one of {CronMacros.NameList}, "
                + "or write five fields (minute hour day-of-month month day-of-week).";
            return false;
        }

        var tokens = (fields ?? trimmed).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length != FieldNames.Length)
        {
            var hint = tokens.Length == 6 ? " (a seconds field is not supported)" : string.Empty;
            error = $"Cron expression \"{expression}\" has {tokens.Length} fields{hint}. " + Expected();
            return false;
        }

        var written = tokens.ToArray();
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = CronWrapAround.Expand(tokens[i], i);
        }

        tokens[4] = SevenAsSunday(tokens[4]);
        for (var i = 0; i < tokens.Length; i++)
        {
            var probe = string.Join(' ', tokens.Select((t, j) => j == i ? t : "*"));
            var problem = CrontabSchedule.TryParse(probe, null, _ => (string?)null, e => e().Message);
            if (problem is not null)
            {
                error = $"Cron expression \"{expression}\" has an invalid {FieldNames[i]} field \"{written[i]}\": "
                    + $"{problem.TrimEnd('.')}. {FieldHelp}.";
                return false;
            }
        }

        var parts = Split(tokens).Select(p => CrontabSchedule.Parse(p)).ToArray();
        var start = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        if (NextLocal(parts, start.AddMinutes(-1), start.AddYears(28)) is null)
        {
            error = $"Cron expression \"{expression}\" never fires: no date matches its day-of-month \"{written[2]}\" "
                + $"and month \"{written[3]}\" fields.";
            return false;
        }

        var everyHour = CrontabSchedule.Parse($"0 {tokens[1]} * * *")
            .GetNextOccurrences(start.AddMinutes(-1), start.AddDays(1))
            .Count() == 24;
        cron = new CronExpression(trimmed, string.Join(' ', tokens), parts, everyHour);
        error = null;
        return true;
    }

    /// <summary>The first scheduled wall-clock time strictly after <paramref name="after"/>, or null when there is none
    /// before the end of the calendar.</summary>
    public DateTime? NextLocal(DateTime after)
    {
        var horizon = after.Year < DateTime.MaxValue.Year - SearchYears ? after.AddYears(SearchYears) : DateTime.MaxValue;
        return NextLocal(_parts, after, horizon);
    }

    public override string ToString() => Expression;

    private static DateTime? NextLocal(CrontabSchedule[] parts, DateTime after, DateTime horizon)
    {
        DateTime? best = null;
        foreach (var part in parts)
        {
            var next = part.GetNextOccurrence(after, horizon);
            if (next < horizon && (best is null || next < best))
            {
                best = next;
            }
        }

        return best;
    }

    // NCrontab requires both day fields to match; cron fires when either restricted one does.
    private static IEnumerable<string> Split(string[] tokens)
    {
        var (minute, hour, dayOfMonth, month, dayOfWeek) = (tokens[0], tokens[1], tokens[2], tokens[3], tokens[4]);
        if (dayOfMonth.StartsWith('*') || dayOfWeek.StartsWith('*'))
        {
            return [string.Join(' ', tokens)];
        }

        return [$"{minute} {hour} {dayOfMonth} {month} *", $"{minute} {hour} * {month} {dayOfWeek}"];
    }

    /// <summary>Cron accepts 7 for Sunday as well as 0; NCrontab only 0-6.</summary>
    private static string SevenAsSunday(string dayOfWeek)
    {
        var elements = dayOfWeek.Split(',');
        for (var i = 0; i < elements.Length; i++)
        {
            var element = elements[i];
            var slash = element.IndexOf('/', StringComparison.Ordinal);
            var range = slash < 0 ? element : element[..slash];
            var step = slash < 0 ? 1 : int.TryParse(element[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 0;
            if (range == "7")
            {
                // 7 is the last value, so any step from it reaches only 7.
                elements[i] = "0";
            }
            else if (step > 0 && range.EndsWith("-7", StringComparison.Ordinal)
                && int.TryParse(range[..^2], NumberStyles.None, CultureInfo.InvariantCulture, out var first) && first is >= 0 and <= 6)
            {
                // a-7/s keeps its own values up to 6, and Sunday as 0 when 7 is among them.
                var upToSaturday = $"{first}-6" + (slash < 0 ? string.Empty : element[slash..]);
                elements[i] = (7 - first) % step == 0 ? upToSaturday + ",0" : upToSaturday;
            }
        }

        return string.Join(',', elements);
    }

    private static string Expected() =>
        "Write five fields separated by spaces: minute hour day-of-month month day-of-week (for example "
        + $"\"30 2 * * *\" for 02:30 every day), or one of {CronMacros.NameList}.";
}
