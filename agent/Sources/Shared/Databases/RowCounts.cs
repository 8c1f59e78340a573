using System.Globalization;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>Rows per table of a restored database, in a drill's report.</summary>
internal static class RowCounts
{
    private const int ListedTables = 5;

    /// <summary>"3 table(s), 120 row(s): posts 100, comments 20, tags 0", or "no tables".</summary>
    public static string Describe(IReadOnlyDictionary<string, long> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return "no tables";
        }

        var listed = string.Join(", ", rows.Take(ListedTables).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value}")));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{rows.Count} table(s), {rows.Values.Sum()} row(s): {listed}{(rows.Count > ListedTables ? ", …" : string.Empty)}");
    }
}
