namespace VolumeAgent.Policy.Jobs;

/// <summary>
/// Which backup sets a job keeps. A set is kept when any rule keeps it; 0 (or null) turns a rule off.
/// A job without retention keeps every set.
/// </summary>
internal sealed record RetentionOptions
{
    public int KeepLast { get; init; }

    public int KeepHourly { get; init; }

    public int KeepDaily { get; init; }

    public int KeepWeekly { get; init; }

    public int KeepMonthly { get; init; }

    public int KeepYearly { get; init; }

    /// <summary>Keep every set younger than this.</summary>
    public TimeSpan? KeepWithin { get; init; }

    public bool HasAnyRule =>
        KeepLast > 0 || KeepHourly > 0 || KeepDaily > 0 || KeepWeekly > 0 || KeepMonthly > 0 || KeepYearly > 0
        || KeepWithin > TimeSpan.Zero;
}
