using System.Globalization;
using System.Text;

namespace VolumeAgent.Policy;

/// <summary>
/// Durations as written in backup.yml: whole numbers with a unit, largest unit first, each unit at most once:
/// <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>7d</c>, <c>2w</c>. A bare <c>0</c> is zero.
/// </summary>
internal static class Duration
{
    public const string Help = "use whole numbers with a unit w, d, h, m or s, largest first, e.g. 30s, 5m, 1h30m, 7d, 2w";

    private static readonly (char Unit, long Ticks)[] Units =
    [
        ('w', TimeSpan.TicksPerDay * 7),
        ('d', TimeSpan.TicksPerDay),
        ('h', TimeSpan.TicksPerHour),
        ('m', TimeSpan.TicksPerMinute),
        ('s', TimeSpan.TicksPerSecond),
    ];

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        long total = 0;
        var nextUnit = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            // More than 15 digits overflows TimeSpan for every unit; the check also keeps long.Parse safe.
            if (i == start || i - start > 15 || i == text.Length)
            {
                return false;
            }

            var unitIndex = Array.FindIndex(Units, nextUnit, u => u.Unit == text[i]);
            if (unitIndex < 0)
            {
                return false;
            }

            var number = long.Parse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            var unitTicks = Units[unitIndex].Ticks;
            if (number > (TimeSpan.MaxValue.Ticks - total) / unitTicks)
            {
                return false;
            }

            total += number * unitTicks;
            nextUnit = unitIndex + 1;
            i++;
        }

        value = TimeSpan.FromTicks(total);
        return true;
    }

    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a duration; {Help}.");
    }

    /// <summary>Formats to whole seconds in the same notation, e.g. <c>1d2h</c>; <see cref="Parse"/> reads it back.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            return "-" + Format(value.Negate());
        }

        var remaining = value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond);
        if (remaining == 0)
        {
            return "0s";
        }

        var text = new StringBuilder();

        // Weeks are skipped on purpose: "14d" reads better than "2w" in summaries and logs.
        foreach (var (unit, ticks) in Units.AsSpan(1))
        {
            var count = remaining / ticks;
            if (count > 0)
            {
                text.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
                remaining -= count * ticks;
            }
        }

        return text.ToString();
    }
}
