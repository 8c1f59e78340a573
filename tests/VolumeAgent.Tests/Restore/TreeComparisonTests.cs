using System.Security.Cryptography;
using System.Text;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Archives;

namespace VolumeAgent.Tests.Restore;

public sealed class TreeComparisonTests
{
    private static readonly TarEntryInfo[] Tree =
    [
        Dir("."),
        File("a/f", "aaa", mode: 0x1A0, uid: 999),
        Link("a/hard", "a/f"),
        Symlink("abs", "/etc/passwd"),
        Dir("empty"),
    ];

    [Fact]
    public void Compare_SameTreeWithHardLinkStoredTheOtherWayRound_IsEqual()
    {
        TarEntryInfo[] restored =
        [
            Dir("."),
            File("a/hard", "aaa", mode: 0x1A0, uid: 999),
            Link("a/f", "a/hard"),
            Dir("empty"),
            Symlink("abs", "/etc/passwd"),
        ];

        TreeComparison.Compare(Tree, restored).Should().BeNull();
    }

    [Fact]
    public void Compare_ModeOwnerContentAndLinkChanges_AreEachDescribed()
    {
        TarEntryInfo[] restored =
        [
            Dir("."),
            File("a/f", "bbb", mode: 0x1A4, uid: 0),
            Link("a/hard", "a/f"),
            Symlink("abs", "/etc/shadow"),
        ];

        var difference = TreeComparison.Compare(Tree, restored);

        difference.Should().Contain("'a/f' differs in mode 640 → 644, owner 999:999 → 0:999, content")
            .And.Contain("link target '/etc/passwd' → '/etc/shadow'")
            .And.StartWith("4 entries differ")
            .And.EndWith("; ….");
    }

    [Fact]
    public void Compare_ExtraEntry_IsNamed() =>
        TreeComparison.Compare(Tree, [.. Tree, File("new", "x")]).Should().Be("1 entry differs: 'new' is in the restored tree but not in the backup.");

    private static TarEntryInfo Dir(string path) => new(path, TarEntryType.Directory, 0x1ED, 0, 0, 0, null, null, 0);

    private static TarEntryInfo File(string path, string content, int mode = 0x1A4, long uid = 0) =>
        new(path, TarEntryType.File, mode, uid, 999, content.Length, null, Digest(content), 0);

    private static ContentDigest Digest(string content)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(content));
        return ContentDigest.TakeFrom(hash);
    }

    private static TarEntryInfo Link(string path, string target) => new(path, TarEntryType.HardLink, 0x1A4, 0, 0, 0, target, null, 0);

    private static TarEntryInfo Symlink(string path, string target) => new(path, TarEntryType.Symlink, 0x1FF, 0, 0, 0, target, null, 0);
}
