using VolumeAgent.Runs;
using VolumeAgent.Sources;
using VolumeAgent.Sources.HostPath;
using VolumeAgent.Sources.Mysql;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Shared.Archives;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Sqlite;
using VolumeAgent.Sources.Volume;
using VolumeAgent.Policy;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;

namespace VolumeAgent.Tests.Sources;

/// <summary>A source that fails before it planned an artifact is recorded with the kind and format its artifacts would have had.</summary>
public sealed class FailedSourceFormatTests
{
    private static readonly Dictionary<string, SourceOptions> Options = new()
    {
        ["volume"] = new VolumeSource { Volume = "data" },
        ["path"] = new PathSource { Path = "/srv/www" },
        ["postgres custom"] = new PostgresSource { Target = "db" },
        ["postgres plain"] = new PostgresSource { Target = "db", Format = PostgresDumpFormat.Plain },
        ["mysql"] = new MysqlSource { Target = "db" },
        ["sqlite file"] = new SqliteSource { Volume = "data", File = "app.db" },
        ["sqlite tables"] = new SqliteSource { Volume = "data", File = "app.db", Tables = ["posts"] },
    };

    [Theory]
    [InlineData("volume", "volume", "tar")]
    [InlineData("path", "path", "tar")]
    [InlineData("postgres custom", "postgres", "pg_custom")]
    [InlineData("postgres plain", "postgres", "pg_plain")]
    [InlineData("mysql", "mysql", "sql")]
    [InlineData("sqlite file", "sqlite", "sqlite")]
    [InlineData("sqlite tables", "sqlite", "sql")]
    public void FailedBeforeStart_RecordsTheSourcesOwnKindAndFormat(string source, string kind, string format)
    {
        // Creating a source touches nothing: the engine is first used when it plans.
        var options = Options[source];
        var created = SourceKinds.Of(options).CreateSource(null!, options);

        var artifact = SourceRunner.FailedBeforeStart(created, DateTimeOffset.UnixEpoch, "the container is not running");

        (artifact.SourceKind.Name, artifact.Format.Name).Should().Be((kind, format));
        artifact.Status.Should().Be(ManifestStatus.Failed);
    }

    [Fact]
    public void Registry_ListsEachKindOnce_InTheDocumentedOrder_WithItsPhase()
    {
        SourceKinds.All.Select(k => (k.Key, k.Phase)).Should().Equal(
            ("volume", SourcePhase.Files), ("path", SourcePhase.Files), ("postgres", SourcePhase.Databases), ("mysql", SourcePhase.Databases), ("sqlite", SourcePhase.Files), ("redis", SourcePhase.Databases));
        SourceKinds.Of(PostgresKind.Globals).Should().BeOfType<PostgresKind>();
        SourceKinds.Of(new ManifestSourceKind("redis_from_a_newer_agent")).Should().BeNull();
        SourceKinds.Formats.Should().Contain([ArchiveKind.Tar, SqlDumps.Sql]).And.OnlyHaveUniqueItems();
    }
}
