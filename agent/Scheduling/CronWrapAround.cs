using System.Globalization;

namespace VolumeAgent.Scheduling;

/// <summary>
/// Rewrites a cron range that wraps around the end of its field into the values it names: hours <c>23-3</c> are
/// 23,0,1,2,3 and <c>22-2/2</c> is 22,0,2 (the step counts along the wrapped run); weekdays <c>FRI-MON</c> are 5,6,0,1.
/// NCrontab would silently swap the ends of such a range (23-3 read as 3-23).
/// </summary>
internal static class CronWrapAround
{
    private static readonly (int Min, int Max)[] Bounds = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];

    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// <summary>The field with each wrapped range written out; anything else (valid or not) is left as written for
    /// the parser to judge.</summary>
    public static string Expand(string field, int fieldIndex)
    {
        var elements = field.Split(',');
        for (var i = 0; i < elements.Length; i++)
        {
            elements[i] = ExpandElement(elements[i], fieldIndex) ?? elements[i];
        }

        return string.Join(',', elements);
    }

    private static string? ExpandElement(string element, int fieldIndex)
    {
        var slash = element.IndexOf('/', StringComparison.Ordinal);
        var range = slash < 0 ? element : element[..slash];
        var step = 1;
        if (slash >= 0 && !(int.TryParse(element[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) && step > 0))
        {
            return null;
        }

        var dash = range.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || Value(range[..dash], fieldIndex) is not { } first || Value(range[(dash + 1)..], fieldIndex) is not { } last)
        {
            return null;
        }

        var (min, max) = Bounds[fieldIndex];
        if (fieldIndex == 4 && first == 7)
        {
            first = 0; // Sunday written as 7 starts the week's run again
        }

        if (first <= last || first > max || last < min || (fieldIndex == 4 && last == 7))
        {
            return null;
        }

        var values = new List<int>();
        var position = 0;
        for (var value = first; ; value = value == max ? min : value + 1, position++)
        {
            if (position % step == 0)
            {
                values.Add(value);
            }

            if (value == last)
            {
                break;
            }
        }

        return string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
    }

    private static int? Value(string text, int fieldIndex)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var names = fieldIndex switch { 3 => MonthNames, 4 => DayNames, _ => null };
        var index = names is null ? -1 : Array.FindIndex(names, n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        return index < 0 ? null : index + (fieldIndex == 3 ? 1 : 0);
    }
}
