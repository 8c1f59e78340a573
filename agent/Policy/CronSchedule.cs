using System.Diagnostics.CodeAnalysis;
using NCrontab;

namespace VolumeAgent.Policy;

/// <summary>
/// A 5-field cron expression (minute hour day-of-month month day-of-week) or one of the macros
/// <c>@hourly @daily @midnight @weekly @monthly @yearly @annually</c>. Occurrences are wall-clock times; the
/// caller applies the policy's time zone.
/// </summary>
internal sealed class CronSchedule
{
    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@hourly"] = "0 * * * *",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@weekly"] = "0 0 * * 0",
        ["@monthly"] = "0 0 1 * *",
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
    };

    private static readonly CrontabSchedule.ParseOptions FiveFields = new() { IncludingSeconds = false };

    private CronSchedule(string expression, string cronExpression, CrontabSchedule schedule)
    {
        Expression = expression;
        CronExpression = cronExpression;
        Schedule = schedule;
    }

    /// <summary>The text as written in backup.yml, e.g. <c>@daily</c> or <c>0 2 * * *</c>.</summary>
    public string Expression { get; }

    /// <summary>The five fields the expression stands for, e.g. <c>0 0 * * *</c> for <c>@daily</c>.</summary>
    public string CronExpression { get; }

    public CrontabSchedule Schedule { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out CronSchedule? schedule, [NotNullWhen(false)] out string? error)
    {
        schedule = null;
        var expression = text?.Trim() ?? string.Empty;
        if (expression.Length == 0)
        {
            error = "a cron expression must not be empty; write 5 fields such as \"0 2 * * *\" or a macro such as @daily";
            return false;
        }

        string cron;
        if (expression.StartsWith('@'))
        {
            if (!Macros.TryGetValue(expression, out var expanded))
            {
                error = $"'{expression}' is not a supported macro; use one of {string.Join(", ", Macros.Keys)} or 5 cron fields";
                return false;
            }

            cron = expanded;
        }
        else
        {
            cron = expression;
        }

        CrontabSchedule crontab;
        try
        {
            crontab = CrontabSchedule.Parse(cron, FiveFields);
        }
        catch (CrontabException e)
        {
            error = $"'{expression}' is not a valid cron expression: {e.Message}";
            return false;
        }

        // NCrontab accepts dates that never exist (30 February) and then finds no occurrence at all.
        // 29 years cover every weekday/date combination, leap days included.
        var from = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var until = from.AddYears(29);
        if (crontab.GetNextOccurrence(from, until) >= until)
        {
            error = $"'{expression}' never matches a date; check the day-of-month and month fields";
            return false;
        }

        schedule = new CronSchedule(expression, cron, crontab);
        error = null;
        return true;
    }

    public static CronSchedule Parse(string text)
    {
        return TryParse(text, out var schedule, out var error) ? schedule : throw new FormatException(error);
    }

    /// <summary>The first occurrence strictly after <paramref name="wallClockTime"/>, in the same wall-clock terms.</summary>
    public DateTime GetNextOccurrence(DateTime wallClockTime) => Schedule.GetNextOccurrence(wallClockTime);

    public override string ToString() => Expression;
}
