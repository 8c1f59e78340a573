using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Tests.Manifest;

public sealed class BackupSetLayoutTests
{
    [Fact]
    public void FormatSetName_NonUtcTime_UsesUtcTimestampAndRunId()
    {
        var started = new DateTimeOffset(2026, 11, 21, 3, 4, 5, 678, TimeSpan.FromHours(2));

        var name = BackupSetLayout.FormatSetName(started, RunId.Parse("0a1b2c3d"));

        name.Should().Be("20261121T010405Z-0a1b2c3d");
    }

    [Fact]
    public void TryParseSetName_FormattedName_ReturnsTimeToTheSecondAndRunId()
    {
        var runId = RunId.New();
        var started = new DateTimeOffset(2026, 1, 2, 23, 59, 58, 999, TimeSpan.Zero);

        BackupSetLayout.TryParseSetName(BackupSetLayout.FormatSetName(started, runId), out var time, out var parsedId).Should().BeTrue();

        time.Should().Be(new DateTimeOffset(2026, 1, 2, 23, 59, 58, TimeSpan.Zero));
        time.Offset.Should().Be(TimeSpan.Zero);
        parsedId.Should().Be(runId);
    }

    [Theory]
    [InlineData("20261121T010405Z-0A1B2C3D")]
    [InlineData("20261121T010405-0a1b2c3d")]
    [InlineData("20261321T010405Z-0a1b2c3d")]
    [InlineData("20261121T010405Z_0a1b2c3d")]
    [InlineData("20261121T010405Z-0a1b2c3d.old")]
    [InlineData(".20261121T010405Z-0a1b2c3")]
    [InlineData("lost+found")]
    [InlineData("")]
    public void TryParseSetName_OtherNames_Fail(string name)
    {
        BackupSetLayout.TryParseSetName(name, out _, out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("nightly", true)]
    [InlineData("db.hourly_2-x+y", true)]
    [InlineData("", false)]
    [InlineData(".hidden", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("has space", false)]
    [InlineData("-dash", false)]
    public void IsValidJobName_Table(string job, bool expected)
    {
        BackupSetLayout.IsValidJobName(job).Should().Be(expected);
    }

    [Theory]
    [InlineData("volume-app_uploads.tar.gz", true)]
    [InlineData("postgres-db-app.dump", true)]
    [InlineData("manifest.json", false)]
    [InlineData("SHA256SUMS", false)]
    [InlineData(".volume.tar.gz.partial", false)]
    [InlineData("../escape", false)]
    [InlineData("two words.sql", false)]
    [InlineData("back\\slash", false)]
    [InlineData("new\nline", false)]
    public void IsValidArtifactName_Table(string fileName, bool expected)
    {
        BackupSetLayout.IsValidArtifactName(fileName).Should().Be(expected);
    }

    [Fact]
    public void PartialNameFor_IsHiddenAndEndsInPartial()
    {
        BackupSetLayout.PartialNameFor("volume-a.tar.gz").Should().Be(".volume-a.tar.gz.partial");
    }
}
