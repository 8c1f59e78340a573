namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// Database names for libpq tools. A bare <c>--dbname</c> containing '=' or starting with postgres:// is read
/// as a connection string, so names always go in as a quoted <c>dbname='...'</c> connection string.
/// </summary>
internal static class PgConnInfo
{
    public static string ForDatabase(string database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return "dbname='" + database.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
    }
}
