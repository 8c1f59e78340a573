using VolumeAgent.Policy;
using VolumeAgent.Sources.HostPath;
using VolumeAgent.Sources.Mysql;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Sqlite;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Policy;

public sealed class ArtifactNamesTests
{
    [Theory]
    [InlineData("/srv/nginx", "srv-nginx")]
    [InlineData("/srv/nginx/", "srv-nginx")]
    [InlineData("/var/lib/my app//data", "var-lib-my-app-data")]
    [InlineData("/opt/.config", "opt-.config")]
    [InlineData("/.hidden", "hidden")]
    [InlineData("/", "fallback")]
    [InlineData("/ü/ß", "fallback")]
    public void Sanitize_Path_KeepsOnlyPortableCharacters(string text, string expected)
    {
        ArtifactNames.Sanitize(text, "fallback").Should().Be(expected);
    }

    [Theory]
    [InlineData("/", "path-root")]
    [InlineData("/srv/www/html", "path-srv-www-html")]
    public void PathSource_WithoutName_DerivesTheArtifactNameFromThePath(string path, string expected)
    {
        new PathSource { Path = path }.ArtifactName.Should().Be(expected);
    }

    [Fact]
    public void Sources_WithoutName_UseTheDocumentedDefaults()
    {
        new VolumeSource { Volume = "app_data" }.ArtifactName.Should().Be("volume-app_data");
        new PostgresSource { Target = "db" }.ArtifactName.Should().Be("postgres-db");
        new MysqlSource { Target = "legacy-db" }.ArtifactName.Should().Be("mysql-legacy-db");
        new SqliteSource { Volume = "data", File = "var/app.db" }.ArtifactName.Should().Be("sqlite-data-app");
        new SqliteSource { Volume = "data", File = "var/my store.sqlite3" }.ArtifactName.Should().Be("sqlite-data-my-store");
    }

    [Fact]
    public void Source_WithName_UsesIt()
    {
        new VolumeSource { Volume = "app_data", CustomName = "uploads" }.ArtifactName.Should().Be("uploads");
    }

    [Theory]
    [InlineData("volume-data", true)]
    [InlineData("db.v2_main", true)]
    [InlineData("-data", false)]
    [InlineData(".data", false)]
    [InlineData("my data", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void IsValid_Name_AcceptsOnlyPortableFileNames(string name, bool valid)
    {
        ArtifactNames.IsValid(name).Should().Be(valid);
    }
}
