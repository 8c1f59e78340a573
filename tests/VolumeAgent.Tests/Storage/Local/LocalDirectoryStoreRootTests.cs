using System.Runtime.Versioning;
using VolumeAgent.Manifest;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Local;
using static VolumeAgent.Tests.Storage.StoreTestSupport;

namespace VolumeAgent.Tests.Storage.Local;

/// <summary>The storage root must exist; only <c>create: true</c> lets the store create it, one level, in a parent that exists.</summary>
[SupportedOSPlatform("linux")]
public sealed class LocalDirectoryStoreRootTests : IDisposable
{
    private const UnixFileMode Mode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static readonly DateTimeOffset Started = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task CheckWritableAsync_ExistingRoot_LeavesNoProbe()
    {
        var root = _temp.Combine("backups");
        Directory.CreateDirectory(root);

        await StoreTestSupport.Local(root).CheckWritableAsync(CancellationToken.None);

        FileNames(root).Should().BeEmpty();
    }

    [Fact]
    public async Task CheckWritableAsync_MissingRoot_ThrowsMissingNamingPathAndFixAndCreatesNothing()
    {
        var store = StoreTestSupport.Local(_temp.Combine("share", "backups"));

        var check = () => store.CheckWritableAsync(CancellationToken.None);

        var thrown = (await check.Should().ThrowAsync<StorageMissingException>()).Which;
        thrown.Path.Should().Be(store.RootPath);
        thrown.Message.Should().Contain($"'{store.RootPath}' does not exist").And.Contain("mounted").And.Contain("create: true");
        FileNames(_temp.Path).Should().BeEmpty("nothing is created under a missing storage");
    }

    [Fact]
    public async Task BeginSetAsync_MissingRoot_ThrowsMissingAndCreatesNothing()
    {
        var store = StoreTestSupport.Local(_temp.Combine("backups"));

        var begin = () => store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);

        (await begin.Should().ThrowAsync<StorageMissingException>()).Which.Path.Should().Be(store.RootPath);
        FileNames(_temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task CheckWritableAsync_MissingRootWithCreate_CreatesIt0700AndLeavesNoProbe()
    {
        var store = StoreTestSupport.Local(_temp.Combine("backups"), createRoot: true);

        await store.CheckWritableAsync(CancellationToken.None);

        File.GetUnixFileMode(store.RootPath).Should().Be(Mode0700);
        FileNames(store.RootPath).Should().BeEmpty();
    }

    [Fact]
    public async Task BeginSetAsync_MissingRootAndParentWithCreate_ThrowsNamingTheParentAndCreatesNothing()
    {
        var parent = _temp.Combine("share");
        var store = StoreTestSupport.Local(Path.Combine(parent, "backups"), createRoot: true);

        var begin = () => store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        var check = () => store.CheckWritableAsync(CancellationToken.None);

        var thrown = (await begin.Should().ThrowAsync<StorageMissingException>()).Which;
        thrown.Message.Should().Contain($"its parent '{parent}'").And.Contain("mounted");
        await check.Should().ThrowAsync<StorageMissingException>();
        FileNames(_temp.Path).Should().BeEmpty("create: true never creates a whole path");
    }

    [Fact]
    public async Task BeginSetAsync_RootIsAFile_ThrowsNotADirectorySayingSo()
    {
        var file = _temp.Combine("backups");
        await File.WriteAllTextAsync(file, "x");
        var store = StoreTestSupport.Local(file, createRoot: true);

        var begin = () => store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);

        var thrown = (await begin.Should().ThrowAsync<StorageNotADirectoryException>()).Which;
        thrown.Message.Should().StartWith($"Backup storage path '{file}' is a file, not a directory.").And.NotContain("writable");
        thrown.Path.Should().Be(file);
    }

    [Fact]
    public async Task CheckWritableAsync_RootBelowAFile_ThrowsNotADirectoryNamingTheFile()
    {
        var file = _temp.Combine("not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var store = StoreTestSupport.Local(Path.Combine(file, "backups"), createRoot: true);

        var check = () => store.CheckWritableAsync(CancellationToken.None);

        var thrown = (await check.Should().ThrowAsync<StorageNotADirectoryException>()).Which;
        thrown.Message.Should().Contain($"'{file}' is a file, not a directory");
        thrown.File.Should().Be(file);
    }

    [Theory]
    [InlineData(false, false, false, "does not exist")]
    [InlineData(true, false, false, null)]
    [InlineData(true, true, false, "neither does its parent")]
    [InlineData(false, false, true, null)]
    public void FindProblem_ChangesNothingAndExplains(bool create, bool parentMissing, bool rootExists, string? expected)
    {
        var parent = parentMissing ? _temp.Combine("share") : _temp.Path;
        var root = Path.Combine(parent, "backups");
        if (rootExists)
        {
            Directory.CreateDirectory(root);
        }

        var before = FileNames(_temp.Path);

        var problem = LocalStorageRoot.FindProblem(root, create);

        if (expected is null)
        {
            problem.Should().BeNull();
        }
        else
        {
            problem.Should().BeOfType<StorageMissingException>().Which.Message.Should().Contain(expected);
        }

        FileNames(_temp.Path).Should().Equal(before);
    }
}
