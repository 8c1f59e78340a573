namespace VolumeAgent.Retention;

/// <summary>
/// Decides which sets of one job to keep, with the semantics of <c>restic forget</c>: only successful sets
/// count toward the rules, a set kept by any rule stays, and the newest successful set always stays.
/// </summary>
internal static class RetentionPlanner
{
    /// <summary>
    /// One decision per set, newest first. Sets with the same start time are ordered by descending ordinal
    /// id, so the whole order is the exact reverse of (StartedAt, Id) ascending and never depends on the
    /// order of the input.
    /// </summary>
    /// <param name="zone">The zone whose wall clock draws the hour/day/week/month/year boundaries.</param>
    /// <param name="now">The current time, for <see cref="RetentionRules.KeepWithin"/>.</param>
    /// <exception cref="ArgumentException">Two sets share an id, or a rule is negative.</exception>
    public static IReadOnlyList<RetentionDecision> Plan(
        IEnumerable<RetentionCandidate> sets, RetentionRules rules, TimeZoneInfo zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(zone);
        Validate(rules);

        var ordered = Order(sets);
        if (rules.IsEmpty)
        {
            return ordered.ConvertAll(set => new RetentionDecision(set, true, [RetentionReasons.NoRules]));
        }

        var newest = ordered.FindIndex(set => set.State == RetentionSetState.Succeeded);
        if (newest < 0)
        {
            return ordered.ConvertAll(set => new RetentionDecision(set, true, [RetentionReasons.NoSuccessfulSet]));
        }

        var buckets = new[]
        {
            new Bucket(RetentionPeriod.Hour, rules.KeepHourly),
            new Bucket(RetentionPeriod.Day, rules.KeepDaily),
            new Bucket(RetentionPeriod.Week, rules.KeepWeekly),
            new Bucket(RetentionPeriod.Month, rules.KeepMonthly),
            new Bucket(RetentionPeriod.Year, rules.KeepYearly),
        };
        var keepWithin = rules.KeepWithin ?? TimeSpan.Zero;
        var decisions = new List<RetentionDecision>(ordered.Count);
        var rank = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            var set = ordered[i];
            if (i < newest)
            {
                // A run still writing, or a failure someone should look at before it disappears.
                decisions.Add(new RetentionDecision(set, true, [RetentionReasons.NewerThanNewestSuccessful]));
                continue;
            }

            switch (set.State)
            {
                case RetentionSetState.Failed:
                    decisions.Add(new RetentionDecision(set, false, [RetentionReasons.Failed]));
                    continue;
                case RetentionSetState.Incomplete:
                    decisions.Add(new RetentionDecision(set, false, [RetentionReasons.Incomplete]));
                    continue;
            }

            rank++;
            var reasons = new List<string>();
            if (i == newest)
            {
                reasons.Add(RetentionReasons.NewestSuccessful);
            }

            if (rank <= rules.KeepLast)
            {
                reasons.Add(RetentionReasons.Last(rank));
            }

            var local = TimeZoneInfo.ConvertTime(set.StartedAt, zone).DateTime;
            foreach (var bucket in buckets)
            {
                if (bucket.TryTake(local) is { } label)
                {
                    reasons.Add(label);
                }
            }

            // Compared as an age so that a very long KeepWithin cannot overflow now - KeepWithin.
            if (keepWithin > TimeSpan.Zero && now - set.StartedAt < keepWithin)
            {
                reasons.Add(RetentionReasons.Within(keepWithin));
            }

            var keep = reasons.Count > 0;
            if (!keep)
            {
                reasons.Add(RetentionReasons.NoRuleKeepsIt);
            }

            decisions.Add(new RetentionDecision(set, keep, reasons));
        }

        return decisions;
    }

    private static List<RetentionCandidate> Order(IEnumerable<RetentionCandidate> sets)
    {
        var list = new List<RetentionCandidate>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            ArgumentNullException.ThrowIfNull(set, nameof(sets));
            if (!ids.Add(set.Id))
            {
                throw new ArgumentException(
                    $"Backup set '{set.Id}' is listed twice; retention needs each set of a job once.", nameof(sets));
            }

            list.Add(set);
        }

        list.Sort(static (a, b) =>
        {
            var byTime = b.StartedAt.CompareTo(a.StartedAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(b.Id, a.Id);
        });
        return list;
    }

    private static void Validate(RetentionRules rules)
    {
        Check(rules.KeepLast, "keep_last");
        Check(rules.KeepHourly, "keep_hourly");
        Check(rules.KeepDaily, "keep_daily");
        Check(rules.KeepWeekly, "keep_weekly");
        Check(rules.KeepMonthly, "keep_monthly");
        Check(rules.KeepYearly, "keep_yearly");
        if (rules.KeepWithin is { } within && within < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(
                nameof(rules), within, "Retention keep_within must not be negative; use 0 or leave it out to turn it off.");
        }

        static void Check(int value, string name)
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(rules), value, $"Retention {name} must be 0 or more; use 0 to turn it off.");
            }
        }
    }

    /// <summary>
    /// One count rule walking sets newest to oldest: a set whose bucket differs from the last bucket taken
    /// is kept, until the count runs out; so the newest set of each of the N most recent periods stays.
    /// </summary>
    private sealed class Bucket(RetentionPeriod period, int count)
    {
        private int _remaining = count;
        private string? _last;

        public string? TryTake(DateTime local)
        {
            if (_remaining == 0)
            {
                return null;
            }

            var label = RetentionPeriodLabels.Label(period, local);
            if (label == _last)
            {
                return null;
            }

            _last = label;
            _remaining--;
            return label;
        }
    }
}
