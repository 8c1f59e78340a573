namespace VolumeAgent.Sources.Sqlite;

/// <summary>
/// The SQL and sqlite3 arguments that pick tables by name. sqlite3's <c>.dump</c> takes LIKE patterns, so each name is
/// escaped (<c>\</c>, <c>%</c>, <c>_</c>) and single-quoted; backup.yml's table names may therefore hold no quote,
/// backslash or control character (<see cref="IsValidName"/>), which also keeps them safe as SQL string literals.
/// </summary>
internal static class SqliteTables
{
    /// <summary>The line sqlite3's <c>.dump</c> ends a complete script with (an error makes it end with ROLLBACK).</summary>
    public const string Trailer = "COMMIT;";

    public const string NameRule = "a table name without quotes, backslashes or control characters";

    /// <summary>An SQL expression that turns a <c>name</c> column into the <c>.dump</c> argument matching exactly it.</summary>
    private const string PatternOfName = "'''' || replace(replace(replace(name, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || ''''";

    public static bool IsValidName(string name) =>
        name.Length > 0 && !name.Any(c => c is '\'' or '"' or '\\' || char.IsControl(c));

    /// <summary>The <c>.dump</c> arguments that match exactly these tables.</summary>
    public static string DumpArguments(IEnumerable<string> tables) =>
        string.Join(' ', tables.Select(t => "'" + t.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "'"));

    /// <summary>A query printing the names of <paramref name="tables"/> the database has no table of (comma-separated), or nothing.</summary>
    public static string MissingQuery(IReadOnlyList<string> tables) =>
        $"WITH wanted(name) AS (VALUES {string.Join(", ", tables.Select(t => $"({Literal(t)})"))}) "
        + "SELECT group_concat(name, ', ') FROM wanted WHERE name NOT IN (SELECT name FROM sqlite_master WHERE type = 'table');";

    /// <summary>A query printing the <c>.dump</c> arguments of the indexes and triggers of <paramref name="tables"/>.</summary>
    public static string ObjectsQuery(IReadOnlyList<string> tables) =>
        $"SELECT group_concat({PatternOfName}, ' ') FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL "
        + $"AND tbl_name IN ({string.Join(", ", tables.Select(Literal))});";

    /// <summary>A query printing the <c>.dump</c> arguments of every object a script created (SQLite's own tables aside).</summary>
    public const string AllObjectsQuery =
        "SELECT group_concat(" + PatternOfName + ", ' ') FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\';";

    /// <summary>A query printing the name of every table (SQLite's own aside), one a line.</summary>
    public const string TablesQuery = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name;";

    /// <summary>A query counting the rows of one table.</summary>
    public static string CountQuery(string table) => $"SELECT count(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\";";

    private static string Literal(string name) => "'" + name + "'";
}
