using VolumeAgent.Sources;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Tests.Sources;

/// <summary>The wording of a failed psql or pg_dump: the wrong container, or a server that refused the agent.</summary>
public sealed class PostgresDiagnosisTests
{
    private const string Remedy = "Point it elsewhere.";

    [Theory]
    [InlineData(126, "", "OCI runtime exec failed: exec failed: unable to start container process: exec: \"psql\": executable file not found in $PATH: unknown")]
    [InlineData(127, "sh: 1: psql: not found", "")]
    [InlineData(127, "", "")]
    public void NotPostgres_ToolMissing_SaysTheContainerDoesNotLookLikePostgres(long exit, string stderr, string stdout)
    {
        var message = PostgresDiagnosis.NotPostgres(new ExecResult(exit, stdout, stderr), "psql", "maria", Remedy);

        message.Should().StartWith("Container maria does not look like a PostgreSQL container: it has no psql (").And.EndWith(Remedy);
    }

    [Theory]
    [InlineData("psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: No such file or directory\n\tIs the server running locally and accepting connections on that socket?\n")]
    [InlineData("psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: Connection refused\n")]
    [InlineData("psql: could not connect to server: No such file or directory\n\tIs the server running locally and accepting\n")]
    public void NotPostgres_NoServerBehindTheSocket_SaysNoServerAnswers(string stderr)
    {
        var message = PostgresDiagnosis.NotPostgres(new ExecResult(2, string.Empty, stderr), "psql", "tools", Remedy);

        message.Should().StartWith("Container tools has psql, but no PostgreSQL server answers on its local socket (psql:").And.EndWith(Remedy);
    }

    [Theory]
    [InlineData("psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  password authentication failed for user \"postgres\"\n")]
    [InlineData("psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  role \"backup\" does not exist\n")]
    [InlineData("psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: fe_sendauth: no password supplied\n")]
    [InlineData("psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  the database system is starting up\n")]
    public void NotPostgres_ServerThatAnsweredAndRefused_IsNullSoTheCredentialHintStays(string stderr) =>
        PostgresDiagnosis.NotPostgres(new ExecResult(2, string.Empty, stderr), "psql", "db", Remedy).Should().BeNull();
}
