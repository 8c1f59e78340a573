using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NCrontab;

namespace VolumeAgent.Scheduling;

/// <summary>
/// A five-field cron schedule read in a time zone's wall clock, answering in UTC instants.
/// </summary>
/// <remarks>
/// <para>Fields and their meaning are classic cron's: minute, hour, day of month, month, day of week (0-7,
/// Sunday is 0 or 7; names such as MON and JAN allowed). When both day fields are restricted (neither begins with
/// <c>*</c>) the schedule fires on a day matching either, as cron does: <c>0 2 1 * 1</c> runs on the 1st and on
/// every Monday. The shorthands in <see cref="CronMacros"/> stand for their five-field forms.</para>
/// <para>Daylight saving time, judged as a user reading the clock on the wall would judge it:</para>
/// <list type="bullet">
/// <item>A wall-clock time skipped by a spring-forward change (02:30 on 2026-03-29 in Europe/Berlin) fires once,
/// at the moment the gap ends (03:00 local). Schedules whose times do not fall in the gap are not moved;
/// several times inside one gap (<c>*/15 * * * *</c>) collapse into that single firing.</item>
/// <item>A wall-clock time repeated by a fall-back change (02:30 on 2026-10-25 in Berlin) fires once, at its
/// first occurrence (still on daylight time) — unless the hour field matches every hour of the day
/// (<c>*</c>, <c>*/1</c>, <c>0-23</c>): such a schedule is an interval (<c>*/15 * * * *</c>,
/// <c>0 * * * *</c>, <c>@hourly</c>) and fires in both passes of the repeated hour, so it keeps its pace in
/// elapsed time. This is the rule Cronos applies (a wildcard hour fires in both occurrences).</item>
/// </list>
/// </remarks>
internal sealed class ZonedCron
{
    private const string FieldHelp =
        "Fields are minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC) and day of week "
        + "(0-7 or SUN-SAT, Sunday is 0 or 7)";

    private static readonly string[] FieldNames = ["minute", "hour", "day-of-month", "month", "day-of-week"];

    // Any date pattern of month, day of month and weekday recurs within 28 years (the weekday cycle of the
    // Gregorian calendar between the century years that skip a leap day), so looking further finds nothing new.
    private const int SearchYears = 29;

    private readonly CrontabSchedule[] _parts;

    private ZonedCron(string expression, string fields, TimeZoneInfo zone, CrontabSchedule[] parts, bool everyHour)
    {
        Expression = expression;
        Fields = fields;
        Zone = zone;
        _parts = parts;
        FiresEveryHour = everyHour;
    }

    /// <summary>The expression as written (shorthand or fields).</summary>
    public string Expression { get; }

    /// <summary>The five fields the expression stands for.</summary>
    public string Fields { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>
    /// True when the hour field matches all 24 hours; such a schedule fires in both passes of an hour repeated by a
    /// fall-back change.
    /// </summary>
    public bool FiresEveryHour { get; }

    /// <exception cref="FormatException">The expression is not a valid five-field cron schedule or shorthand,
    /// or no date ever matches it; the message names the expression and what is wrong.</exception>
    public static ZonedCron Parse(string expression, TimeZoneInfo zone)
    {
        if (!TryParse(expression, zone, out var cron, out var error))
        {
            throw new FormatException(error);
        }

        return cron;
    }

    public static bool TryParse(
        string expression,
        TimeZoneInfo zone,
        [NotNullWhen(true)] out ZonedCron? cron,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(zone);
        cron = null;

        var trimmed = expression.Trim();
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
            error = $"Cron expression \"{expression}\" never fires: no date matches its day-of-month \"{tokens[2]}\" "
                + $"and month \"{tokens[3]}\" fields.";
            return false;
        }

        var everyHour = CrontabSchedule.Parse($"0 {tokens[1]} * * *")
            .GetNextOccurrences(start.AddMinutes(-1), start.AddDays(1))
            .Count() == 24;
        cron = new ZonedCron(expression, string.Join(' ', tokens), zone, parts, everyHour);
        error = null;
        return true;
    }

    /// <summary>The first instant strictly after <paramref name="instant"/> at which the schedule fires, in UTC;
    /// null when it never fires again (only at the end of the calendar).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant)
    {
        var offset = Zone.GetUtcOffset(instant);
        var wall = DateTime.SpecifyKind(instant.UtcDateTime + offset, DateTimeKind.Unspecified);
        var next = FirstFiringAfter(wall, instant);

        // Standing in the first pass of a repeated hour, an interval schedule still has the second pass ahead,
        // including wall-clock times this side of the current one.
        if (FiresEveryHour && Zone.IsAmbiguousTime(wall))
        {
            var offsets = Zone.GetAmbiguousTimeOffsets(wall);
            var daylight = offsets.Max();
            var standard = offsets.Min();
            if (offset == daylight && FirstRepeated(wall - (daylight - standard), wall) is { } repeated)
            {
                var second = ToUtc(repeated, standard);
                if (next is null || second < next)
                {
                    next = second;
                }
            }
        }

        return next;
    }

    public override string ToString() => $"{Expression} ({Zone.Id})";

    private DateTimeOffset? FirstFiringAfter(DateTime wall, DateTimeOffset instant)
    {
        for (var candidate = NextLocal(wall); candidate is { } local; candidate = NextLocal(local))
        {
            if (Zone.IsInvalidTime(local))
            {
                var gapEnd = GapEnd(local);
                if (gapEnd > instant)
                {
                    return gapEnd;
                }

                continue;
            }

            if (Zone.IsAmbiguousTime(local))
            {
                var offsets = Zone.GetAmbiguousTimeOffsets(local);
                var first = ToUtc(local, offsets.Max());
                if (first > instant)
                {
                    return first;
                }

                var second = ToUtc(local, offsets.Min());
                if (FiresEveryHour && second > instant)
                {
                    return second;
                }

                continue;
            }

            var at = ToUtc(local, Zone.GetUtcOffset(local));
            if (at > instant)
            {
                return at;
            }
        }

        return null;
    }

    /// <summary>The first scheduled wall-clock time in (<paramref name="after"/>, <paramref name="upTo"/>] that is
    /// repeated by a fall-back change.</summary>
    private DateTime? FirstRepeated(DateTime after, DateTime upTo)
    {
        for (var candidate = NextLocal(after); candidate is { } local && local <= upTo; candidate = NextLocal(local))
        {
            if (Zone.IsAmbiguousTime(local))
            {
                return local;
            }
        }

        return null;
    }

    /// <summary>The instant a spring-forward gap containing <paramref name="skipped"/> ends.</summary>
    private DateTimeOffset GapEnd(DateTime skipped)
    {
        var wall = skipped;
        do
        {
            wall = wall.AddMinutes(1);
        }
        while (Zone.IsInvalidTime(wall));

        return ToUtc(wall, Zone.GetUtcOffset(wall));
    }

    private DateTime? NextLocal(DateTime after)
    {
        var horizon = after.Year < DateTime.MaxValue.Year - SearchYears ? after.AddYears(SearchYears) : DateTime.MaxValue;
        return NextLocal(_parts, after, horizon);
    }

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

    // Offsets of old local mean times carry seconds, which DateTimeOffset's constructor refuses.
    private static DateTimeOffset ToUtc(DateTime wall, TimeSpan offset) =>
        new(DateTime.SpecifyKind(wall - offset, DateTimeKind.Utc));

    private static string Expected() =>
        "Write five fields separated by spaces: minute hour day-of-month month day-of-week (for example "
        + $"\"30 2 * * *\" for 02:30 every day), or one of {CronMacros.NameList}.";
}
