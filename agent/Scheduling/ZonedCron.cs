using System.Diagnostics.CodeAnalysis;

namespace VolumeAgent.Scheduling;

/// <summary>
/// A five-field cron schedule read in a time zone's wall clock, answering in UTC instants.
/// </summary>
/// <remarks>
/// <para>Fields and their meaning are classic cron's, as <see cref="CronExpression"/> reads them.</para>
/// <para>Daylight saving time, judged as a user reading the clock on the wall would judge it:</para>
/// <list type="bullet">
/// <item>A wall-clock time skipped by a spring-forward change (02:30 on 2026-03-29 in Europe/Berlin) fires once,
/// at the moment the gap ends (03:00 local). Schedules whose times do not fall in the gap are not moved;
/// several times inside one gap (<c>*/15 * * * *</c>) collapse into that single firing.</item>
/// <item>A wall-clock time repeated by a fall-back change (02:30 on 2026-10-25 in Berlin) fires once, at its
/// first occurrence (still on daylight time) — unless the hour field matches every hour of the day
/// (<c>*</c>, <c>*/1</c>, <c>0-23</c>): such a schedule is an interval (<c>*/15 * * * *</c>,
/// <c>0 * * * *</c>, <c>@hourly</c>) and fires in both passes of the repeated hour, so it keeps its pace in
/// elapsed time. A range or step of hours (<c>0 1-3 * * *</c>, <c>0 */2 * * *</c>) fires once, in the first pass,
/// like a daily time: Cronos 0.13 differs here (it fires such schedules in both passes) and also requires both
/// restricted day fields to match, which is why it does not replace this type.</item>
/// </list>
/// </remarks>
internal sealed class ZonedCron
{
    private readonly CronExpression _cron;

    public ZonedCron(CronExpression cron, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(cron);
        ArgumentNullException.ThrowIfNull(zone);
        _cron = cron;
        Zone = zone;
    }

    /// <summary>The expression as written (shorthand or fields).</summary>
    public string Expression => _cron.Expression;

    /// <summary>The five fields the expression stands for.</summary>
    public string Fields => _cron.Fields;

    public TimeZoneInfo Zone { get; }

    /// <summary>
    /// True when the hour field matches all 24 hours; such a schedule fires in both passes of an hour repeated by a
    /// fall-back change.
    /// </summary>
    public bool FiresEveryHour => _cron.FiresEveryHour;

    /// <exception cref="FormatException">The expression is not a valid five-field cron schedule or shorthand,
    /// or no date ever matches it; the message names the expression and what is wrong.</exception>
    public static ZonedCron Parse(string expression, TimeZoneInfo zone) => new(CronExpression.Parse(expression), zone);

    public static bool TryParse(
        string expression,
        TimeZoneInfo zone,
        [NotNullWhen(true)] out ZonedCron? cron,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(zone);
        cron = CronExpression.TryParse(expression, out var parsed, out error) ? new ZonedCron(parsed, zone) : null;
        return cron is not null;
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
        for (var candidate = _cron.NextLocal(wall); candidate is { } local; candidate = _cron.NextLocal(local))
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
        for (var candidate = _cron.NextLocal(after); candidate is { } local && local <= upTo; candidate = _cron.NextLocal(local))
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

    // Offsets of old local mean times carry seconds, which DateTimeOffset's constructor refuses.
    private static DateTimeOffset ToUtc(DateTime wall, TimeSpan offset) =>
        new(DateTime.SpecifyKind(wall - offset, DateTimeKind.Utc));
}
