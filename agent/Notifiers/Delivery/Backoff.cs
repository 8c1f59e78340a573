namespace VolumeAgent.Notifiers.Delivery;

/// <summary>
/// How often and how long a notification is retried: up to <see cref="MaxAttempts"/> attempts, waiting
/// <see cref="FirstDelay"/>, then twice as long each time up to <see cref="MaxDelay"/>, and never starting an attempt
/// after <see cref="TotalBound"/> from the first.
/// </summary>
internal sealed record Backoff
{
    public static Backoff Default { get; } = new();

    public int MaxAttempts { get; init; } = 4;

    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>How long one attempt may take (a connection, a request, an SMTP session).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>No attempt starts later than this after the first one did.</summary>
    public TimeSpan TotalBound { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before attempt <paramref name="attempt"/> (2, 3, ...) when <paramref name="elapsed"/> has passed since the first; null: give up.</summary>
    public TimeSpan? DelayBefore(int attempt, TimeSpan elapsed)
    {
        if (attempt < 2 || attempt > MaxAttempts)
        {
            return null;
        }

        var delay = FirstDelay * Math.Pow(2, attempt - 2);
        if (delay > MaxDelay)
        {
            delay = MaxDelay;
        }

        return elapsed + delay > TotalBound ? null : delay;
    }
}
