using System.Formats.Tar;
using System.Text;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Restic;

namespace VolumeAgent.Tests.Storage.Restic;

/// <summary>
/// A set's SHA256SUMS and manifest.json as one snapshot of <c>/&lt;job&gt;/&lt;set&gt;</c>, beside sets written before with a
/// snapshot per object: both layouts list as the same objects, the newest copy of each wins, trees are no objects.
/// </summary>
public sealed class ResticSetFilesTests
{
    private const string Set = "20261207T020000Z-1a2b3c4d";
    private static readonly SetAddress Address = new("nightly", Set);
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ADirectorySnapshot_HoldsTheObjectsItsObjectTagsName()
    {
        var snapshot = Snapshot("new", "/nightly/" + Set, T0, ResticSetFiles.TagsOf(Address, ["SHA256SUMS", "manifest.json"]));

        ResticSetFiles.ObjectPathsOf(snapshot).Should().Equal($"/nightly/{Set}/SHA256SUMS", $"/nightly/{Set}/manifest.json");
    }

    [Fact]
    public void AnOldObjectSnapshot_HoldsItsOnePath()
    {
        var snapshot = Snapshot("old", $"/nightly/{Set}/manifest.json", T0, ResticUpload.TagsOf(Address, "manifest.json"));

        ResticSetFiles.ObjectPathsOf(snapshot).Should().Equal($"/nightly/{Set}/manifest.json");
    }

    [Theory]
    [InlineData("/data")]
    [InlineData("/mnt/data")]
    [InlineData("/a/b/c/d")]
    public void ATree_HoldsNoObject_WhateverItsDepth(string path)
    {
        // A tree has the set's tags and source=, never object=.
        var tags = ResticUpload.TagsOf(Address, "tree").Where(t => !t.StartsWith("object=", StringComparison.Ordinal)).Append("source=volume:x").ToList();

        ResticSetFiles.ObjectPathsOf(Snapshot("tree", path, T0, tags)).Should().BeEmpty();
    }

    [Fact]
    public void TagsOf_AreTheSetsTags_AndOneObjectTagPerFile()
    {
        ResticSetFiles.TagsOf(Address, ["SHA256SUMS", "manifest.json"]).Should().Equal(
            "volume-agent", "job=nightly", "set=" + Set, "run=1a2b3c4d", "object=SHA256SUMS", "object=manifest.json");
    }

    [Fact]
    public void NewestByPath_ListsBothLayouts_AndANewerManifestOverTheSetFiles()
    {
        const string older = "20261206T020000Z-0a0b0c0d";
        var oldSet = new SetAddress("nightly", older);
        List<ResticSnapshot> snapshots =
        [
            Snapshot("old-sums", $"/nightly/{older}/SHA256SUMS", T0.AddDays(-1), ResticUpload.TagsOf(oldSet, "SHA256SUMS")),
            Snapshot("old-manifest", $"/nightly/{older}/manifest.json", T0.AddDays(-1).AddSeconds(1), ResticUpload.TagsOf(oldSet, "manifest.json")),
            Snapshot("dump", $"/nightly/{Set}/postgres-db-shop.sql", T0, ResticUpload.TagsOf(Address, "postgres-db-shop.sql")),
            Snapshot("tree", "/data", T0, ["volume-agent", "job=nightly", "set=" + Set, "source=volume:x"]),
            Snapshot("set-files", "/nightly/" + Set, T0.AddSeconds(5), ResticSetFiles.TagsOf(Address, ["SHA256SUMS", "manifest.json"])),
            Snapshot("verified", $"/nightly/{Set}/manifest.json", T0.AddHours(1), ResticUpload.TagsOf(Address, "manifest.json")),
        ];

        var newest = ResticSnapshots.NewestByPath(snapshots);

        newest.ToDictionary(p => p.Key, p => p.Value.Id).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            [$"/nightly/{older}/SHA256SUMS"] = "old-sums",
            [$"/nightly/{older}/manifest.json"] = "old-manifest",
            [$"/nightly/{Set}/postgres-db-shop.sql"] = "dump",
            [$"/nightly/{Set}/SHA256SUMS"] = "set-files",
            [$"/nightly/{Set}/manifest.json"] = "verified",
        });
        newest.Keys.Select(ResticSetFiles.Split).Should().OnlyContain(o => o.Job == "nightly" && (o.Set == Set || o.Set == older));
    }

    [Theory]
    [InlineData("/data")]
    [InlineData("/nightly/" + Set)]
    [InlineData("/a/b/c/d")]
    [InlineData("//b/c")]
    public void Split_OfWhatIsNoObjectPath_IsEmpty(string path) => ResticSetFiles.Split(path).Job.Should().BeEmpty();

    [Fact]
    public void Split_OfAnObjectPath_GivesJobSetAndName() =>
        ResticSetFiles.Split($"/nightly/{Set}/SHA256SUMS").Should().Be(("nightly", Set, "SHA256SUMS"));

    [Theory]
    [InlineData("proc", false)]
    [InlineData("sys", false)]
    [InlineData("dev", false)]
    [InlineData("repository", false)]
    [InlineData("nightly", true)]
    [InlineData("data", true)]
    [InlineData("proc@node1", true)]
    public void CanHold_RefusesOnlyTheDirectoriesTheHelperIsMountedOver(string job, bool can) =>
        ResticSetFiles.CanHold(new SetAddress(job, Set)).Should().Be(can);

    [Fact]
    public async Task Tar_HoldsTheFilesOnly_UnderJobAndSet_AnEmptyOneIncluded()
    {
        var manifest = Encoding.UTF8.GetBytes("{\"job\": \"nightly\"}\n");
        using var tar = ResticSetFiles.Tar(Address, [("SHA256SUMS", ReadOnlyMemory<byte>.Empty), ("manifest.json", manifest)], T0);

        var entries = new List<(string Name, TarEntryType Type, UnixFileMode Mode, int Uid, byte[] Content)>();
        await using (var reader = new TarReader(tar))
        {
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                using var content = new MemoryStream();
                if (entry.DataStream is { } data)
                {
                    await data.CopyToAsync(content);
                }

                entries.Add((entry.Name, entry.EntryType, entry.Mode, entry.Uid, content.ToArray()));
            }
        }

        entries.Select(e => e.Name).Should().Equal($"nightly/{Set}/SHA256SUMS", $"nightly/{Set}/manifest.json");
        entries.Should().OnlyContain(e => e.Type == TarEntryType.RegularFile && e.Uid == 0, "no directory entry replaces one of the image's own");
        entries.Should().OnlyContain(e => e.Mode == (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        entries[0].Content.Should().BeEmpty("an empty SHA256SUMS is a file of no bytes in a tree");
        entries[1].Content.Should().Equal(manifest);
    }

    private static ResticSnapshot Snapshot(string id, string path, DateTimeOffset time, IReadOnlyList<string> tags) => new(id, time, [path], tags);
}
