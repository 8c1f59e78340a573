using VolumeAgent.Restore;
using VolumeAgent.Sources.Postgres;

namespace VolumeAgent.Tests.Restore;

public sealed class GlobalsFilterTests
{
    [Theory]
    [InlineData("CREATE ROLE app;", "CREATE ROLE ", "app")]
    [InlineData("ALTER ROLE app WITH NOSUPERUSER INHERIT LOGIN PASSWORD 'SCRAM-SHA-256$4096:x';", "ALTER ROLE ", "app")]
    [InlineData("CREATE ROLE \"Mixed Case\";", "CREATE ROLE ", "Mixed Case")]
    [InlineData("ALTER ROLE \"with \"\"quote\"\"\" SET search_path TO app;", "ALTER ROLE ", "with \"quote\"")]
    [InlineData("CREATE ROLE app_2;", "CREATE ROLE ", "app_2")]
    public void RoleOf_StatementNamingARole_ReturnsItUnquoted(string line, string prefix, string role) =>
        GlobalsFilter.RoleOf(line, prefix).Should().Be(role);

    [Theory]
    [InlineData("GRANT app TO reader GRANTED BY postgres;")]
    [InlineData("-- CREATE ROLE app;")]
    [InlineData("CREATE ROLE ")]
    [InlineData("CREATE ROLE \"unterminated")]
    public void RoleOf_OtherLines_IsNull(string line) => GlobalsFilter.RoleOf(line, "CREATE ROLE ").Should().BeNull();

    [Fact]
    public void Keep_RolesThatExist_AreLeftOutEntirely_MissingOnesAndTheRestPass()
    {
        var filter = new GlobalsFilter(new HashSet<string>(StringComparer.Ordinal) { "postgres", "pg_monitor" });
        string[] globals =
        [
            "SET default_transaction_read_only = off;",
            "CREATE ROLE app;",
            "ALTER ROLE app WITH NOSUPERUSER LOGIN PASSWORD 'x';",
            "CREATE ROLE postgres;",
            "ALTER ROLE postgres WITH SUPERUSER LOGIN PASSWORD 'old';",
            "ALTER ROLE postgres SET work_mem TO '64MB';",
            "GRANT pg_monitor TO app GRANTED BY postgres;",
            "\\unrestrict abc",
        ];

        var kept = globals.Where(filter.Keep).ToList();

        kept.Should().Equal(
            "SET default_transaction_read_only = off;",
            "CREATE ROLE app;",
            "ALTER ROLE app WITH NOSUPERUSER LOGIN PASSWORD 'x';",
            "GRANT pg_monitor TO app GRANTED BY postgres;",
            "\\unrestrict abc");
        filter.CreatedRoles.Should().Equal("app");
        filter.SkippedRoles.Should().Equal("postgres");
    }

    [Fact]
    public void Keep_RoleNamesCompareExactly_NotIgnoringCase()
    {
        var filter = new GlobalsFilter(new HashSet<string>(StringComparer.Ordinal) { "app" });

        filter.Keep("CREATE ROLE \"App\";").Should().BeTrue();
        filter.Keep("CREATE ROLE app;").Should().BeFalse();
    }
}
