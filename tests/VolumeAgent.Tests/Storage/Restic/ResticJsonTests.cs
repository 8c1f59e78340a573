using System.Text;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Restic;

namespace VolumeAgent.Tests.Storage.Restic;

public sealed class ResticJsonTests
{
    [Fact]
    public void ParseSummaryLine_ReadsTheCountsAndTheSnapshot()
    {
        const string line = """{"message_type":"summary","files_new":1,"files_changed":2,"files_unmodified":3,"dirs_new":2,"dirs_changed":0,"dirs_unmodified":0,"data_blobs":1,"tree_blobs":3,"data_added":861,"total_files_processed":6,"total_bytes_processed":6000,"total_duration":0.27,"snapshot_id":"1a992eee"}""";

        ResticJson.ParseSummaryLine(line).Should().Be(new ResticSummary(1, 2, 3, 861, 6000, "1a992eee"));
    }

    [Theory]
    [InlineData("""{"message_type":"status","percent_done":0.5}""")]
    [InlineData("")]
    [InlineData("using parent snapshot 1a992eee")]
    public void ParseSummaryLine_OtherLines_AreNotASummary(string line) => ResticJson.ParseSummaryLine(line).Should().BeNull();

    [Fact]
    public void ParseSummaryLine_ASummaryWithoutSnapshot_IsRefused()
    {
        var parse = () => ResticJson.ParseSummaryLine("""{"message_type":"summary","files_new":1}""");

        parse.Should().Throw<FormatException>().WithMessage("*snapshot_id*");
    }

    [Fact]
    public void ParseSnapshots_ReadsIdTimePathsAndTags()
    {
        const string json = """[{"time":"2026-12-06T17:42:29.25+01:00","tree":"e3a8","paths":["/job1/set1/a.sql"],"hostname":"vm","username":"root","tags":["volume-agent","job=job1"],"id":"1a992eee77e2","short_id":"1a992eee"}]""";

        var snapshot = ResticJson.ParseSnapshots(Encoding.UTF8.GetBytes(json)).Should().ContainSingle().Subject;

        snapshot.Id.Should().Be("1a992eee77e2");
        snapshot.Time.Should().Be(new DateTimeOffset(2026, 12, 6, 16, 42, 29, 250, TimeSpan.Zero));
        snapshot.Paths.Should().Equal("/job1/set1/a.sql");
        snapshot.Tag("job").Should().Be("job1");
        snapshot.Tag("set").Should().BeNull();
    }

    [Theory]
    [InlineData("[]", 0)]
    [InlineData("null", 0)]
    public void ParseSnapshots_NoneListed(string json, int count) => ResticJson.ParseSnapshots(Encoding.UTF8.GetBytes(json)).Should().HaveCount(count);

    [Theory]
    [InlineData("{}")]
    [InlineData("[{\"paths\":[]}]")]
    [InlineData("not json")]
    public void ParseSnapshots_Garbage_IsAFormatException(string json)
    {
        var parse = () => ResticJson.ParseSnapshots(Encoding.UTF8.GetBytes(json));

        parse.Should().Throw<FormatException>();
    }

    [Theory]
    [InlineData("restic 0.14.0 compiled with go1.19.8 on linux/amd64", "0.14.0")]
    [InlineData("restic 0.16.4 (v0.16.4-0-g1234) compiled with go1.21 on linux/arm64\n", "0.16.4")]
    [InlineData("restic 0.9.6 compiled with go1.13 on linux/amd64", "0.9.6")]
    public void ParseVersion_ReadsTheVersion(string output, string expected)
    {
        ResticJson.ParseVersion(output).Should().Be(Version.Parse(expected));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sh: restic: not found")]
    public void ParseVersion_NotRestic_IsNull(string output) => ResticJson.ParseVersion(output).Should().BeNull();

    [Fact]
    public void MinimumVersion_IsTheFirstWithCompression()
    {
        (ResticJson.ParseVersion("restic 0.13.1 compiled with go1.18")! < ResticErrors.MinimumVersion).Should().BeTrue();
        (ResticJson.ParseVersion("restic 0.14.0 compiled with go1.19")! < ResticErrors.MinimumVersion).Should().BeFalse();
    }

    [Fact]
    public void TooOld_NamesTheStorageTheImageAndTheVersionNeeded_AndAcceptsNewerOnes()
    {
        var options = new ResticStorageOptions { Name = "vault", Repository = "/srv/restic", Password = new VolumeAgent.Policy.Secret("x"), Image = "old/restic:1" };

        ResticErrors.TooOld(options, options.Image!, new Version(0, 13, 1)).Should().Contain("restic storage 'vault'").And.Contain("old/restic:1 has restic 0.13.1").And.Contain("0.14.0 or newer in 'image'");
        ResticErrors.TooOld(options, options.Image!, new Version(0, 14, 0)).Should().BeNull();
        ResticErrors.TooOld(options, options.Image!, new Version(0, 17, 3)).Should().BeNull();
    }

    [Fact]
    public void ParseNode_ReadsAnEntryRelativeToTheRoot_WithUnixPermissionBits()
    {
        // Go's mode of a setuid 0755 file: 1<<23 | 0o755.
        const string line = """{"name":"private.txt","type":"file","path":"/data/deep/private.txt","uid":1234,"gid":5678,"size":12,"mode":8389101,"mtime":"2001-02-03T04:05:06Z","struct_type":"node"}""";

        ResticJson.ParseNode(line, "/data").Should().Be(new FileTreeEntry("deep/private.txt", "file", 0x9ED, 1234, 5678, 12));
    }

    [Theory]
    [InlineData("""{"time":"2026-12-06T17:42:29Z","tree":"e3a8","paths":["/data"],"id":"1a99","short_id":"1a99","struct_type":"snapshot"}""")]
    [InlineData("""{"name":"data","type":"dir","path":"/data","uid":0,"gid":0,"mode":2147484141,"struct_type":"node"}""")]
    [InlineData("""{"name":"x","type":"file","path":"/elsewhere/x","uid":0,"gid":0,"mode":420,"struct_type":"node"}""")]
    [InlineData("")]
    public void ParseNode_TheSnapshotLineTheRootAndOtherPaths_AreNoEntries(string line) => ResticJson.ParseNode(line, "/data").Should().BeNull();

    [Fact]
    public void ParseNode_ADirectory_HasNoSize_AndLosesGosTypeBits()
    {
        const string line = """{"name":"locked","type":"dir","path":"/data/deep/locked","uid":0,"gid":0,"size":4096,"mode":2147484096,"struct_type":"node"}""";

        ResticJson.ParseNode(line, "/data").Should().Be(new FileTreeEntry("deep/locked", "dir", 0x1C0, 0, 0, 0));
    }

    [Theory]
    [InlineData("*.tmp", "*.tmp")]
    [InlineData("cache", "cache")]
    [InlineData("cache/", "cache")]
    [InlineData("cache/*", "/data/cache/*")]
    [InlineData("/cache", "/data/cache")]
    [InlineData("./logs/**", "/data/logs/**")]
    [InlineData("a/b", "/data/a/b")]
    public void ExcludeOf_AnchorsPatternsWithASlashAtTheTreesMountPoint(string pattern, string expected) =>
        ResticTrees.ExcludeOf("/data", pattern).Should().Be(expected);

    [Fact]
    public void SourceTag_KeepsTheTagListUnsplit() => ResticTrees.SourceTag("path:/srv/a,b").Should().Be("source=path:/srv/a%2Cb");
}
