using System.Globalization;

namespace VolumeAgent.Retention;

/// <summary>
/// The calendar periods the count rules bucket sets into. A bucket is named by its label, so two sets
/// share a bucket exactly when they get the same reason text.
/// </summary>
internal enum RetentionPeriod
{
    Hour,
    Day,
    Week,
    Month,
    Year,
}

internal static class RetentionPeriodLabels
{
    /// <summary>
    /// The reason naming the bucket of a local wall-clock time. Buckets are wall-clock periods, not spans
    /// of elapsed time: a day is the local date whether it lasted 23, 24 or 25 hours. In the hour repeated
    /// when clocks fall back (02:00-02:59 twice in Europe/Berlin on 2026-10-25) both passes are one hourly
    /// bucket, because a person reading the schedule and the reasons sees one "02:00" hour, and two
    /// buckets with the same label would read as a bug.
    /// </summary>
    public static string Label(RetentionPeriod period, DateTime local) => period switch
    {
        RetentionPeriod.Hour => string.Create(CultureInfo.InvariantCulture, $"hourly {local:yyyy-MM-dd HH}:00"),
        RetentionPeriod.Day => string.Create(CultureInfo.InvariantCulture, $"daily {local:yyyy-MM-dd}"),
        // ISO weeks start on Monday and belong to the ISO year of their Thursday: 2027-01-01 is in 2026-W53.
        RetentionPeriod.Week => string.Create(
            CultureInfo.InvariantCulture, $"weekly {ISOWeek.GetYear(local):D4}-W{ISOWeek.GetWeekOfYear(local):D2}"),
        RetentionPeriod.Month => string.Create(CultureInfo.InvariantCulture, $"monthly {local:yyyy-MM}"),
        RetentionPeriod.Year => string.Create(CultureInfo.InvariantCulture, $"yearly {local:yyyy}"),
        _ => throw new ArgumentOutOfRangeException(nameof(period), period, "Unknown retention period."),
    };
}
