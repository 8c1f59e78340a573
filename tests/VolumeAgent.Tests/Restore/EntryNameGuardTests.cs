using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Restore;
using VolumeAgent.Tests.Pipeline.Tar;
using VolumeAgent.Sources.Shared.Archives;

namespace VolumeAgent.Tests.Restore;

public sealed class EntryNameGuardTests
{
    public static TheoryData<string, string> UnsafeNames => new()
    {
        { "/etc/passwd", "absolute path" },
        { "../escape", "'..' component" },
        { "./../escape", "'..' component" },
        { "a/../../escape", "'..' component" },
        { "a/b/..", "'..' component" },
        { "", "empty" },
    };

    [Theory]
    [MemberData(nameof(UnsafeNames))]
    public void Problem_UnsafeName_SaysWhy(string name, string reason) =>
        EntryNameGuard.Problem(name).Should().Contain(reason);

    [Theory]
    [InlineData("./")]
    [InlineData(".")]
    [InlineData("./a/b/c.txt")]
    [InlineData("a/b/")]
    [InlineData("names with spaces/é and ü")]
    [InlineData("a..b/..c/d..")]
    public void Problem_SafeName_IsNull(string name) => EntryNameGuard.Problem(name).Should().BeNull();

    [Theory]
    [InlineData('0', "/abs/file", "", "absolute path")]
    [InlineData('0', "../up", "", "'..' component")]
    [InlineData('5', "./a/../../up/", "", "'..' component")]
    [InlineData('1', "./hard", "/etc/shadow", "hard link to '/etc/shadow'")]
    [InlineData('1', "./hard", "../outside", "hard link to '../outside'")]
    [InlineData('1', "./hard", "./not-there", "not an earlier entry")]
    public void Check_UnsafeEntryInArchive_StopsTheParseNamingIt(char type, string name, string link, string reason)
    {
        var archive = new RawTarBuilder()
            .Entry('5', "./")
            .Entry('0', "./first", "x"u8.ToArray())
            .Entry(type, name, link: link)
            .Entry('0', "./after", "y"u8.ToArray())
            .Finish();

        var act = () => Parse(archive);

        act.Should().Throw<UnsafeEntryException>().Which.Message.Should().Contain($"'{name}'").And.Contain(reason);
    }

    [Theory]
    [InlineData('3', "character device node")]
    [InlineData('4', "block device node")]
    public void Check_DeviceNode_IsRefusedNamingIt(char type, string reason)
    {
        var archive = new RawTarBuilder()
            .Entry('5', "./")
            .Entry(type, "./dev/sda")
            .Finish();

        var act = () => Parse(archive);

        act.Should().Throw<UnsafeEntryException>().Which.Message.Should().Contain("'./dev/sda'").And.Contain(reason);
    }

    [Fact]
    public void Check_Fifo_Passes()
    {
        var archive = new RawTarBuilder()
            .Entry('5', "./")
            .Entry('6', "./pipe")
            .Finish();

        Parse(archive).Should().HaveCount(2);
    }

    [Fact]
    public void Check_EntryUnderAnArchivedSymlink_IsRefused()
    {
        var archive = new RawTarBuilder()
            .Entry('2', "./etc", link: "/etc")
            .Entry('0', "./etc/passwd", "root::0:0::/:/bin/sh\n"u8.ToArray())
            .Finish();

        var act = () => Parse(archive);

        act.Should().Throw<UnsafeEntryException>().Which.Message.Should().Contain("'./etc/passwd'").And.Contain("'etc'").And.Contain("symbolic link");
    }

    [Fact]
    public void Check_DirectoryEntryOverAnArchivedSymlink_ThenFileUnderIt_IsRefused()
    {
        var archive = new RawTarBuilder()
            .Entry('2', "a", link: "../../outside")
            .Entry('5', "a/")
            .Entry('0', "a/file", "z"u8.ToArray())
            .Finish();

        var act = () => Parse(archive);

        act.Should().Throw<UnsafeEntryException>().Which.Message.Should().Contain("'a/file'");
    }

    [Fact]
    public void Check_HardLinkThroughASymlink_IsRefused()
    {
        var archive = new RawTarBuilder()
            .Entry('2', "link", link: "/")
            .Entry('1', "hard", link: "link/etc/shadow")
            .Finish();

        var act = () => Parse(archive);

        act.Should().Throw<UnsafeEntryException>().Which.Message.Should().Contain("symbolic link 'link'");
    }

    /// <summary>Names that reach "dir/link/x" through "dir/link" however the archive spells them.</summary>
    public static TheoryData<string, string> NonCanonicalNamesThroughALink => new()
    {
        { "dir/link", "dir/./link/x" },
        { "dir/link", "dir//link/x" },
        { "dir/link", "./dir/.//link/./x" },
        { "dir/link", "dir/link//x" },
        { "dir/link", "dir/link/./x" },
        { "dir/link", "dir///.//link/x/" },
        { "./dir/./link", "dir/link/x" },
        { "dir//link/", "dir/link/x" },
        { "link", ".//link/x" },
        { "link", "link/./." + "/x" },
    };

    [Theory]
    [MemberData(nameof(NonCanonicalNamesThroughALink))]
    public void Check_NonCanonicalNameThroughAnArchivedSymlink_IsRefused(string linkName, string name)
    {
        var archive = new RawTarBuilder()
            .Entry('5', "./")
            .Entry('5', "dir/")
            .Entry('2', linkName, link: "/")
            .Entry('0', name, "x"u8.ToArray())
            .Finish();

        var act = () => Parse(archive);

        act.Should().Throw<UnsafeEntryException>().Which.Message.Should().Contain($"'{name}'").And.Contain("symbolic link");
    }

    [Theory]
    [InlineData("dir/./link/etc/shadow")]
    [InlineData("dir//link/etc/shadow")]
    [InlineData("./dir/link//etc/shadow")]
    public void Check_HardLinkToANonCanonicalNameThroughASymlink_IsRefused(string target)
    {
        var archive = new RawTarBuilder()
            .Entry('5', "dir/")
            .Entry('2', "dir/link", link: "/")
            .Entry('1', "hard", link: target)
            .Finish();

        var act = () => Parse(archive);

        act.Should().Throw<UnsafeEntryException>().Which.Message.Should().Contain($"'{target}'").And.Contain("symbolic link 'dir/link'");
    }

    [Theory]
    [InlineData('5', "link/.")]
    [InlineData('5', "link/./")]
    [InlineData('5', "./link//.//")]
    [InlineData('0', "link/.")]
    public void Check_EntryNamingTheInsideOfAnArchivedSymlink_IsRefused(char type, string name)
    {
        var archive = new RawTarBuilder()
            .Entry('2', "link", link: "/etc")
            .Entry(type, name)
            .Finish();

        var act = () => Parse(archive);

        act.Should().Throw<UnsafeEntryException>().Which.Message.Should().Contain($"'{name}'").And.Contain("inside of 'link'");
    }

    [Fact]
    public void Check_NonCanonicalNamesOfOrdinaryEntries_PassAndHardLinksFindTheirTargets()
    {
        var archive = new RawTarBuilder()
            .Entry('5', "./")
            .Entry('5', ".//dir/./")
            .Entry('0', "dir//file", "content"u8.ToArray())
            .Entry('1', "dir/./hard", link: "./dir/.//file")
            .Entry('2', "dir//link", link: "./file")
            .Finish();

        var entries = Parse(archive);

        entries.Select(e => e.Path).Should().Equal(".", "dir", "dir/file", "dir/hard", "dir/link");
        entries.Single(e => e.Path == "dir/hard").LinkTarget.Should().Be("dir/file");
    }

    [Fact]
    public void Check_VolumeWithAbsoluteAndClimbingSymlinks_PassesWithLinksAndHardLinks()
    {
        var archive = new RawTarBuilder()
            .Entry('5', "./")
            .Entry('2', "./abs", link: "/etc/passwd")
            .Entry('2', "./up", link: "../../somewhere")
            .Entry('5', "./dir/")
            .Entry('0', "./dir/file", "content"u8.ToArray())
            .Entry('1', "./dir/hard", link: "./dir/file")
            .Entry('2', "./dir/rel", link: "file")
            .Entry('0', "./upward-named..file", "x"u8.ToArray())
            .Finish();

        var entries = Parse(archive);

        entries.Select(e => e.Path).Should().Equal(".", "abs", "up", "dir", "dir/file", "dir/hard", "dir/rel", "upward-named..file");
        entries.Single(e => e.Path == "abs").StoredLinkTarget.Should().Be("/etc/passwd");
    }

    [Fact]
    public void Check_RootEntryThatIsNotADirectory_IsRefused()
    {
        var guard = new EntryNameGuard();
        var entry = new TarEntryInfo(".", TarEntryType.File, 420, 0, 0, 1, null, null, 0) { StoredPath = "./" };

        var act = () => guard.Check(entry);

        act.Should().Throw<UnsafeEntryException>().WithMessage("*target directory itself*");
    }

    private static List<TarEntryInfo> Parse(byte[] archive)
    {
        var guard = new EntryNameGuard();
        using var parser = new TarStreamParser { EntryStarting = guard.Check };
        parser.Feed(archive);
        parser.Complete();
        return [.. parser.Entries];
    }
}
