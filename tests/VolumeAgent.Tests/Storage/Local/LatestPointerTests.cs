using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Tests.Manifest;

namespace VolumeAgent.Tests.Storage.Local;

/// <summary>
/// <c>&lt;job&gt;/latest</c> in a local storage: a relative symbolic link to the newest complete, succeeded set,
/// moved when sets come and go, removed when none is left, and never taken for a set by listing.
/// </summary>
public sealed class LatestPointerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Refresh_PointsAtTheNewestSucceededSet_NotAtANewerFailedOrIncompleteOne()
    {
        var store = StoreTestSupport.Local(_root.Path);
        var older = await StoreTestSupport.CompleteSetAsync(store, "job", Start, RunId.New(), ("a.tar", StoreTestSupport.Content(10, 1)));
        var good = await StoreTestSupport.CompleteSetAsync(store, "job", Start.AddHours(1), RunId.New(), ("a.tar", StoreTestSupport.Content(10, 2)));
        await using (var failed = await store.BeginSetAsync("job", Start.AddHours(2), RunId.New(), CancellationToken.None))
        {
            await failed.CompleteAsync(ManifestSamples.Manifest("job", failed.RunId, Start.AddHours(2), [], ManifestStatus.Failed), CancellationToken.None);
        }

        await using (await store.BeginSetAsync("job", Start.AddHours(3), RunId.New(), CancellationToken.None))
        {
            // Left without a manifest: incomplete.
        }

        await store.RefreshLatestAsync("job", CancellationToken.None);

        var link = new FileInfo(_root.Combine("job", BackupSetLayout.LatestName));
        link.LinkTarget.Should().Be(good, "a relative link, valid wherever the storage is mounted");
        File.Exists(Path.Combine(link.FullName, "manifest.json")).Should().BeTrue("the link resolves to the set's directory");
        (await StoreTestSupport.ListAsync(store, "job")).Should().HaveCount(4, "the link is not a set");

        var goodSet = (await StoreTestSupport.ListAsync(store, "job")).Single(s => s.DirectoryName == good);
        await store.DeleteSetAsync(goodSet, CancellationToken.None);
        await store.RefreshLatestAsync("job", CancellationToken.None);
        new FileInfo(link.FullName).LinkTarget.Should().Be(older);

        await store.DeleteSetAsync((await StoreTestSupport.ListAsync(store, "job")).Single(s => s.DirectoryName == older), CancellationToken.None);
        await store.RefreshLatestAsync("job", CancellationToken.None);
        new FileInfo(link.FullName).LinkTarget.Should().BeNull("no succeeded set is left to point at");
        Directory.EnumerateFileSystemEntries(_root.Combine("job"), ".*").Should().BeEmpty("no temporary link is left");
    }

    [Fact]
    public async Task Point_NamesTheSetGiven_AndRefusesANameThatIsNoSet()
    {
        var store = StoreTestSupport.Local(_root.Path);
        var set = await StoreTestSupport.CompleteSetAsync(store, "job", Start, RunId.New(), ("a.tar", StoreTestSupport.Content(10, 1)));

        await store.PointLatestAsync("job", set, CancellationToken.None);

        new FileInfo(_root.Combine("job", BackupSetLayout.LatestName)).LinkTarget.Should().Be(set);
        var outside = () => store.PointLatestAsync("job", "../other", CancellationToken.None);
        (await outside.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("is not a backup set directory name");
        new FileInfo(_root.Combine("job", BackupSetLayout.LatestName)).LinkTarget.Should().Be(set, "a refused name changes nothing");
    }

    [Fact]
    public async Task Refresh_SomethingElseNamedLatest_IsAClearErrorAndLeftAlone()
    {
        var store = StoreTestSupport.Local(_root.Path);
        await StoreTestSupport.CompleteSetAsync(store, "job", Start, RunId.New(), ("a.tar", StoreTestSupport.Content(10, 1)));
        Directory.CreateDirectory(_root.Combine("job", "latest", "mine"));

        var refresh = () => store.RefreshLatestAsync("job", CancellationToken.None);

        (await refresh.Should().ThrowAsync<VolumeAgent.Storage.StorageException>()).Which.Message.Should().Contain("Remove or rename what is at");
        Directory.Exists(_root.Combine("job", "latest", "mine")).Should().BeTrue();
    }
}
