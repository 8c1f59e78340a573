using VolumeAgent.IO;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.IO;

public sealed class RealPathTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public RealPathTests()
    {
        // The temp folder itself may sit behind a link on some machines: every expectation starts from its real path.
        Root = RealPath.Of(_directory.Path);
        Directory.CreateDirectory(Path.Combine(Root, "etc", "agent"));
        File.WriteAllText(Path.Combine(Root, "etc", "agent", "backup.yml"), "jobs: {}\n");
    }

    private string Root { get; }

    private string Config => Path.Combine(Root, "etc", "agent", "backup.yml");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Of_PathWithoutLinks_IsItselfWithDotsAndRepeatedSlashesRemoved()
    {
        RealPath.Of(Config).Should().Be(Config);
        RealPath.Of($"{Root}/etc/./agent//backup.yml").Should().Be(Config);
        RealPath.Of($"{Root}/etc/agent/../agent/backup.yml").Should().Be(Config);
        RealPath.Of($"{Root}/etc/agent/").Should().Be($"{Root}/etc/agent");
    }

    [Fact]
    public void Of_RelativePath_IsTakenFromTheWorkingDirectory()
    {
        RealPath.Of("backup.yml").Should().Be(RealPath.Of(Directory.GetCurrentDirectory()).TrimEnd('/') + "/backup.yml");
    }

    [Fact]
    public void Of_LinkToTheFile_IsTheFile()
    {
        var link = Path.Combine(Root, "backup.yml");
        File.CreateSymbolicLink(link, "etc/agent/backup.yml");

        RealPath.Of(link).Should().Be(Config);
    }

    [Fact]
    public void Of_PathThroughALinkedFolder_IsThePathInTheFolderLinkedTo()
    {
        Directory.CreateDirectory(Path.Combine(Root, "srv"));
        Directory.CreateSymbolicLink(Path.Combine(Root, "srv", "config"), "../etc/agent");
        Directory.CreateSymbolicLink(Path.Combine(Root, "absolute"), Path.Combine(Root, "srv", "config"));

        RealPath.Of(Path.Combine(Root, "srv", "config", "backup.yml")).Should().Be(Config);
        RealPath.Of(Path.Combine(Root, "absolute", "backup.yml")).Should().Be(Config, "a link to a link is followed to the end");
    }

    [Fact]
    public void Of_DotDotAfterALink_LeavesTheLinksTarget()
    {
        Directory.CreateSymbolicLink(Path.Combine(Root, "agent"), "etc/agent");

        RealPath.Of($"{Root}/agent/../agent/backup.yml").Should().Be(Config, "'..' of etc/agent is etc, as the kernel resolves it");
    }

    [Fact]
    public void Of_PartsThatDoNotExist_AreKeptAfterTheResolvedOnes()
    {
        Directory.CreateSymbolicLink(Path.Combine(Root, "agent"), "etc/agent");

        RealPath.Of($"{Root}/agent/state/./new").Should().Be($"{Root}/etc/agent/state/new");
    }

    [Fact]
    public void Of_LinksInALoop_IsThePathAsWritten()
    {
        File.CreateSymbolicLink(Path.Combine(Root, "a"), "b");
        File.CreateSymbolicLink(Path.Combine(Root, "b"), "a");

        RealPath.Of($"{Root}/a/./backup.yml").Should().Be($"{Root}/a/backup.yml");
    }
}
