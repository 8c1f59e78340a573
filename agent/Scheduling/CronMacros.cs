namespace VolumeAgent.Scheduling;

/// <summary>
/// The <c>@</c> shorthands cron accepts in place of five fields. The policy loader and the scheduler both read
/// schedules through this table, so a schedule that validates is a schedule that runs.
/// </summary>
internal static class CronMacros
{
    private static readonly (string Name, string Fields)[] Table =
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
    ];

    /// <summary>The shorthands in the order a message lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Table.Select(m => m.Name).ToArray());

    /// <summary>"@hourly, @daily, …", for messages that tell a user what is accepted.</summary>
    public static string NameList { get; } = string.Join(", ", Names);

    /// <summary>The five-field form of a shorthand (case-insensitive, surrounding blanks ignored), or null.</summary>
    public static string? TryExpand(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var trimmed = expression.Trim();
        foreach (var (name, fields) in Table)
        {
            if (string.Equals(trimmed, name, StringComparison.OrdinalIgnoreCase))
            {
                return fields;
            }
        }

        return null;
    }
}
