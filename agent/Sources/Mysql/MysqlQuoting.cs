namespace VolumeAgent.Sources.Mysql;

/// <summary>Quoting for the mysql/mariadb client, which has no bind variables on its command line.</summary>
internal static class MysqlQuoting
{
    /// <summary>A string literal: 'it''s', backslashes doubled (the default sql_mode reads them as escapes).</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>An identifier: `name`, backticks doubled.</summary>
    public static string Identifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";
    }
}
