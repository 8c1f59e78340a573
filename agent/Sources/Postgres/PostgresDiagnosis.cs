using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// Tells a container that is not a PostgreSQL server's (no client tools, or no server behind them) from a
/// PostgreSQL server that refused the agent, so that a failure's hint points at the container, not at the
/// credentials.
/// </summary>
internal static class PostgresDiagnosis
{
    /// <summary>The remedy when a backup's source names the wrong container.</summary>
    public const string ForSource = "Point the source at the container that runs the PostgreSQL server; the agent runs PostgreSQL's own tools inside it.";

    /// <summary>The remedy when a restore's target is the wrong container.</summary>
    public const string ForRestore = "Restore into the container that runs the PostgreSQL server (--to-container NAME); the agent runs PostgreSQL's own tools inside it.";

    /// <summary>
    /// What a failed <paramref name="tool"/> exec in <paramref name="container"/> says when the container does not
    /// look like a PostgreSQL server's, ending with <paramref name="remedy"/>; null when it looks like a server that
    /// answered and refused.
    /// </summary>
    public static string? NotPostgres(ExecResult result, string tool, string container, string remedy)
    {
        ArgumentNullException.ThrowIfNull(result);
        var diagnostic = result.Diagnostic.Trim();
        if (IsToolMissing(result.ExitCode, diagnostic))
        {
            return $"Container {container} does not look like a PostgreSQL container: it has no {tool} ({diagnostic}). {remedy}";
        }

        if (IsNoServer(diagnostic))
        {
            return $"Container {container} has {tool}, but no PostgreSQL server answers on its local socket ({diagnostic}). "
                + $"Is the server running in this container, or is it the wrong container? {remedy}";
        }

        return null;
    }

    /// <summary>The shell's "command not found", or the engine's own refusal to start a program that is not there.</summary>
    internal static bool IsToolMissing(long exitCode, string diagnostic) =>
        exitCode == ExecDumpProducer.CommandNotFoundExit
        || diagnostic.Contains("executable file not found", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// libpq's words for a local socket with no server behind it (PostgreSQL 14 and later, and older ones). Every
    /// failure of 14 and later starts "connection to server on socket … failed:", also a refused password, so the
    /// cause that follows decides.
    /// </summary>
    internal static bool IsNoServer(string diagnostic) =>
        (diagnostic.Contains("connection to server on socket", StringComparison.Ordinal) || diagnostic.Contains("could not connect to server", StringComparison.Ordinal))
        && (diagnostic.Contains("No such file or directory", StringComparison.Ordinal) || diagnostic.Contains("Connection refused", StringComparison.Ordinal));
}
