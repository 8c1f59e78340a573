using VolumeAgent.Sources;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Sqlite;
using static VolumeAgent.Tests.Policy.PolicyTestHelpers;

namespace VolumeAgent.Tests.Sources.Sqlite;

/// <summary>backup.yml's <c>tables</c> of an sqlite source, and the sqlite3 arguments that pick exactly those tables.</summary>
public sealed class SqliteTablesPolicyTests
{
    [Fact]
    public void Load_Tables_AreReadInOrder_AndDescribed()
    {
        var policy = Load(WithSources("- sqlite: app_data\n  file: db/app.sqlite\n  tables: [posts, post_tags]"));

        var source = policy.Jobs[0].Sources.Should().ContainSingle().Which.Should().BeOfType<SqliteSource>().Which;
        source.Tables.Should().Equal("posts", "post_tags");
        source.Describe().Should().Be("sqlite app_data:db/app.sqlite (tables: posts, post_tags)");
        source.ArtifactName.Should().Be("sqlite-app_data-app");
    }

    [Fact]
    public void Load_WithoutTables_CopiesTheWholeFile()
    {
        var policy = Load(WithSources("- sqlite: app_data\n  file: db/app.sqlite"));

        policy.Jobs[0].Sources[0].Should().BeOfType<SqliteSource>().Which.Tables.Should().BeEmpty();
    }

    [Theory]
    [InlineData("[]", "lists no table")]
    [InlineData("[\"it's\"]", "'it's' is not a table name without quotes")]
    [InlineData("[posts, posts]", "'posts' is listed twice")]
    public void Load_BadTables_AreRefusedUnderTheirKey(string tables, string expected)
    {
        var failure = LoadFailure(WithSources($"- sqlite: app_data\n  file: db/app.sqlite\n  tables: {tables}"));

        failure.Problems.Should().ContainSingle().Which.Message.Should().Contain(expected);
    }

    [Fact]
    public void Load_TablesOnAnotherKind_SaysWhichKindHasThem()
    {
        var failure = LoadFailure(WithSources("- volume: data\n  tables: [posts]"));

        failure.Problems.Should().ContainSingle().Which.Message.Should().Contain("'tables' does not apply to a volume source (it is for sqlite sources)");
    }

    [Fact]
    public void DumpArguments_EscapeLikeWildcards_SoEachNameMatchesOnlyItself()
    {
        SqliteTables.DumpArguments(["post_tags", "100%", "plain"]).Should().Be("'post\\_tags' '100\\%' 'plain'");
    }

    [Fact]
    public void Registry_SqliteWritesFileCopiesAndSqlScripts()
    {
        var kind = SourceKinds.Find("sqlite")!;

        kind.Formats.Should().Equal(SqliteKind.DatabaseFile, SqlDumps.Sql);
        kind.OptionKeys.Should().Contain("tables");
    }
}
