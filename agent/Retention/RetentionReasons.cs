using System.Globalization;
using System.Text;

namespace VolumeAgent.Retention;

/// <summary>The words a decision gives, shown as they are by <c>prune --dry-run</c>.</summary>
internal static class RetentionReasons
{
    public const string NoRules = "no retention rules";
    public const string NoSuccessfulSet = "no successful set yet";
    public const string NewestSuccessful = "newest successful";
    public const string NewerThanNewestSuccessful = "newer than the newest successful set";
    public const string Failed = "failed";
    public const string Incomplete = "incomplete";
    public const string NoRuleKeepsIt = "no rule keeps it";

    /// <summary>The set's rank among successful sets, newest being 1.</summary>
    public static string Last(int rank) => string.Create(CultureInfo.InvariantCulture, $"last {rank}");

    public static string Within(TimeSpan span) => "within " + FormatSpan(span);

    /// <summary>A span in the units a person writes: <c>30d</c>, <c>1d12h</c>, <c>90s</c> as <c>1m30s</c>.</summary>
    public static string FormatSpan(TimeSpan span)
    {
        var builder = new StringBuilder();
        Append(builder, span.Days, 'd');
        Append(builder, span.Hours, 'h');
        Append(builder, span.Minutes, 'm');
        Append(builder, span.Seconds, 's');
        if (builder.Length == 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds}ms");
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, int value, char unit)
    {
        if (value != 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{value}{unit}");
        }
    }
}
