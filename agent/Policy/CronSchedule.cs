using System.Diagnostics.CodeAnalysis;
using NCrontab;

namespace VolumeAgent.Policy;

/// <summary>
/// A 5-field cron expression (minute hour day-of-month month day-of-week) or one of the macros
/// <c>@hourly @daily @midnight @weekly @monthly @yearly @annually</c>, with cron's rule that a restricted
/// day-of-month and day-of-week match either way. Occurrences are wall-clock times; the caller applies the
/// policy's time zone.
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

    private readonly CrontabSchedule[] schedules;

    private CronSchedule(string expression, string cronExpression, CrontabSchedule[] schedules)
    {
        Expression = expression;
        CronExpression = cronExpression;
        this.schedules = schedules;
    }

    /// <summary>The text as written in backup.yml, e.g. <c>@daily</c> or <c>0 2 * * *</c>.</summary>
    public string Expression { get; }

    /// <summary>The five fields the expression stands for, e.g. <c>0 0 * * *</c> for <c>@daily</c>.</summary>
    public string CronExpression { get; }

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

        CrontabSchedule[] crontabs;
        try
        {
            crontabs = ParseWithCronDaySemantics(cron);
        }
        catch (CrontabException e)
        {
            error = $"'{expression}' is not a valid cron expression: {e.Message}";
            return false;
        }

        schedule = new CronSchedule(expression, cron, crontabs);

        // NCrontab accepts dates that never exist (30 February) and then finds no occurrence at all.
        // 29 years cover every weekday/date combination, leap days included.
        var from = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var until = from.AddYears(29);
        if (schedule.GetNextOccurrence(from, until) >= until)
        {
            schedule = null;
            error = $"'{expression}' never matches a date; check the day-of-month and month fields";
            return false;
        }

        error = null;
        return true;
    }

    public static CronSchedule Parse(string text)
    {
        return TryParse(text, out var schedule, out var error) ? schedule : throw new FormatException(error);
    }

    /// <summary>The first occurrence strictly after <paramref name="wallClockTime"/>, in the same wall-clock terms.</summary>
    public DateTime GetNextOccurrence(DateTime wallClockTime) => GetNextOccurrence(wallClockTime, DateTime.MaxValue);

    /// <summary>The first occurrence strictly after <paramref name="wallClockTime"/> and before <paramref name="end"/>; <paramref name="end"/> when there is none.</summary>
    public DateTime GetNextOccurrence(DateTime wallClockTime, DateTime end)
    {
        var next = end;
        foreach (var crontab in schedules)
        {
            var candidate = crontab.GetNextOccurrence(wallClockTime, end);
            if (candidate < next)
            {
                next = candidate;
            }
        }

        return next;
    }

    public override string ToString() => Expression;

    /// <summary>
    /// Cron runs a job when the day-of-month OR the day-of-week matches if both are restricted (neither starts
    /// with '*'); NCrontab requires both. Such an expression becomes two schedules, one per day field.
    /// </summary>
    private static CrontabSchedule[] ParseWithCronDaySemantics(string cron)
    {
        var whole = CrontabSchedule.Parse(cron, FiveFields);
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5 || fields[2].StartsWith('*') || fields[4].StartsWith('*'))
        {
            return [whole];
        }

        var byDayOfMonth = CrontabSchedule.Parse($"{fields[0]} {fields[1]} {fields[2]} {fields[3]} *", FiveFields);
        var byDayOfWeek = CrontabSchedule.Parse($"{fields[0]} {fields[1]} * {fields[3]} {fields[4]}", FiveFields);
        return [byDayOfMonth, byDayOfWeek];
    }
}
