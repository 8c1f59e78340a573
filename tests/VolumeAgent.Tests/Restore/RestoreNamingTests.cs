using VolumeAgent.Presentation;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Storage;
using VolumeAgent.Sources.Mysql;
using VolumeAgent.Sources.Postgres;

namespace VolumeAgent.Tests.Restore;

public sealed class RestoreNamingTests
{
    [Theory]
    [InlineData("volume-app_data.tar.gz", true)]
    [InlineData("volume-app_data.tar", true)]
    [InlineData("volume-app_data", true)]
    [InlineData("app_data", true)]
    [InlineData("volume-app", false)]
    [InlineData("volume-app_data.tar.zst", false)]
    public void Matches_FileNameWithOrWithoutSuffixesOrSourceName(string name, bool matches)
    {
        var artifact = ManifestSamples.Artifact("volume-app_data.tar.gz", new string('a', 64), 10) with { SourceName = "app_data" };

        RestoreRunner.Matches(artifact, name).Should().Be(matches);
    }

    [Theory]
    [InlineData("postgres-db-app.dump", true)]
    [InlineData("postgres-db-app", true)]
    [InlineData("app", true)]
    [InlineData("db", true)]
    [InlineData("postgres-db", false)]
    public void Matches_DatabaseDumpByFileSourceOrDatabase(string name, bool matches)
    {
        var artifact = ManifestSamples.Artifact("postgres-db-app.dump", new string('a', 64), 10) with
        {
            SourceName = "db",
            SourceKind = PostgresKind.Postgres,
            Format = PostgresKind.PgCustom,
            Compression = ManifestCompression.None,
            Database = "app",
        };

        RestoreRunner.Matches(artifact, name).Should().Be(matches);
    }

    [Theory]
    [InlineData("app", "'app'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("back\\slash", "'back\\\\slash'")]
    public void MysqlLiteral_QuotesAndEscapes(string value, string literal) => MysqlQuoting.Literal(value).Should().Be(literal);

    [Theory]
    [InlineData("app", "`app`")]
    [InlineData("we`ird", "`we``ird`")]
    public void MysqlIdentifier_DoublesBackticks(string value, string identifier) => MysqlQuoting.Identifier(value).Should().Be(identifier);

    [Theory]
    [InlineData("app", "dbname='app'")]
    [InlineData("a=b", "dbname='a=b'")]
    [InlineData("it's", "dbname='it\\'s'")]
    [InlineData("postgres://x", "dbname='postgres://x'")]
    public void PgConnInfo_AlwaysAQuotedConnectionString(string database, string connInfo) => PgConnInfo.ForDatabase(database).Should().Be(connInfo);

    [Theory]
    [InlineData(null, null, "")]
    [InlineData("Verify", "Succeeded", "verified")]
    [InlineData("Drill", "Succeeded", "drilled")]
    [InlineData("Drill", "Failed", "failed")]
    [InlineData("Verify", "Failed", "failed")]
    public void ListVerifiedColumn_ShowsTheLatestCheck(string? kind, string? status, string shown)
    {
        var runId = RunId.Parse("0a1b2c3d");
        var manifest = ManifestSamples.Manifest("nightly", runId, ManifestSamples.Started, []) with
        {
            Verification = kind is null
                ? null
                : new ManifestVerification { VerifiedAt = ManifestSamples.Started, Kind = Enum.Parse<ManifestVerificationKind>(kind), Status = Enum.Parse<ManifestStatus>(status!) },
        };
        var set = new BackupSetInfo
        {
            Job = "nightly",
            DirectoryName = "20261121T020003Z-0a1b2c3d",
            RunId = runId,
            StartedAt = ManifestSamples.Started,
            State = BackupSetState.Complete,
            Manifest = manifest,
            TotalStoredBytes = 0,
            ArtifactCount = 0,
        };

        SetListing.VerifiedOf(set).Should().Be(shown);
    }
}
