namespace VolumeAgent.Retention;

/// <summary>
/// A job's retention, as <c>restic forget</c> reads its <c>--keep-*</c> options. Counts are numbers of
/// periods (or sets, for <see cref="KeepLast"/>); 0 means the rule is off.
/// </summary>
/// <param name="KeepWithin">Keep every successful set younger than this; null or zero means off.</param>
internal sealed record RetentionRules(
    int KeepLast,
    int KeepHourly,
    int KeepDaily,
    int KeepWeekly,
    int KeepMonthly,
    int KeepYearly,
    TimeSpan? KeepWithin)
{
    /// <summary>No rule at all: everything is kept.</summary>
    public static RetentionRules None { get; } = new(0, 0, 0, 0, 0, 0, null);

    /// <summary>True when no rule is on, so nothing would ever be deleted.</summary>
    public bool IsEmpty =>
        KeepLast == 0 && KeepHourly == 0 && KeepDaily == 0 && KeepWeekly == 0 && KeepMonthly == 0 && KeepYearly == 0
        && (KeepWithin is null || KeepWithin.Value == TimeSpan.Zero);
}
