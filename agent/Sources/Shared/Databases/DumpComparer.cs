namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>
/// Compares two SQL dumps of the same database, streamed: the backup's own SQL and a fresh dump of the
/// database restored from it. Comments (which hold dump times and versions) and blank lines are ignored;
/// every other line, and every row of COPY data, must be equal and in the same order.
/// </summary>
internal static class DumpComparer
{
    private const int ExcerptLength = 160;

    public static async Task<DumpComparison> CompareAsync(TextReader backup, TextReader restored, CancellationToken cancellationToken)
    {
        var expected = new SqlLineCursor(backup);
        var actual = new SqlLineCursor(restored);
        string? difference = null;
        long compared = 0;
        while (true)
        {
            var left = await expected.NextAsync(cancellationToken);
            var right = await actual.NextAsync(cancellationToken);
            if (left is null && right is null)
            {
                break;
            }

            if (!string.Equals(left, right, StringComparison.Ordinal))
            {
                difference = Describe(expected, left, actual, right);
                break;
            }

            compared++;
        }

        // Both sides are read to the end whatever happened: row counts for the report, and the processes
        // writing them must be able to finish.
        await expected.DrainAsync(cancellationToken);
        await actual.DrainAsync(cancellationToken);
        if (difference is not null)
        {
            var counts = RowCountDifferences(expected.RowCounts, actual.RowCounts);
            if (counts.Length > 0)
            {
                difference += $" Row counts differ: {counts}.";
            }
        }

        return new DumpComparison(difference, expected.RowCounts, actual.RowCounts, compared);
    }

    internal static string RowCountDifferences(IReadOnlyDictionary<string, long> backup, IReadOnlyDictionary<string, long> restored)
    {
        var tables = backup.Keys.Concat(restored.Keys.Where(k => !backup.ContainsKey(k)));
        var differences = tables
            .Select(table => (table, b: backup.GetValueOrDefault(table), r: restored.GetValueOrDefault(table)))
            .Where(t => t.b != t.r)
            .Select(t => $"{t.table} {t.b} in the backup, {t.r} restored");
        return string.Join("; ", differences);
    }

    private static string Describe(SqlLineCursor expected, string? left, SqlLineCursor actual, string? right)
    {
        var table = expected.RowOf ?? actual.RowOf;
        var row = expected.RowOf is not null ? expected.RowNumber : actual.RowNumber;
        var where = table is null ? string.Empty : $" (table {table}, row {row})";
        if (left is null)
        {
            return $"The restored database's dump goes on where the backup ends, at its line {actual.LineNumber}{where}: '{Excerpt(right!)}'.";
        }

        if (right is null)
        {
            return $"The restored database's dump ends where the backup goes on, at the backup's line {expected.LineNumber}{where}: '{Excerpt(left)}'.";
        }

        return $"Line {expected.LineNumber} of the backup and line {actual.LineNumber} of the restored database's dump differ{where}: backup '{Excerpt(left)}', restored '{Excerpt(right)}'.";
    }

    private static string Excerpt(string line) => line.Length <= ExcerptLength ? line : line[..ExcerptLength] + "…";
}
