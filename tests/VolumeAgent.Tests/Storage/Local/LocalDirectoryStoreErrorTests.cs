using System.Runtime.Versioning;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Local;
using VolumeAgent.Tests.Manifest;
using static VolumeAgent.Tests.Storage.StoreTestSupport;

namespace VolumeAgent.Tests.Storage.Local;

[SupportedOSPlatform("linux")]
public sealed class LocalDirectoryStoreErrorTests : IDisposable
{
    private static readonly DateTimeOffset Started = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private TmpfsMount? _mount;

    public void Dispose()
    {
        _mount?.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task BeginSetAsync_ReadOnlyMount_ThrowsNotWritableNamingPathAndFix()
    {
        _mount = TmpfsMount.TryMount(_temp.Combine("ro"), "ro,size=1m");
        if (_mount is null)
        {
            AssertErrnoMapsTo<StorageNotWritableException>(Errno.EROFS);
            return;
        }

        var store = StoreTestSupport.Local(Path.Combine(_mount.Path, "backups"), createRoot: true);

        var begin = () => store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        var check = () => store.CheckWritableAsync(CancellationToken.None);

        (await begin.Should().ThrowAsync<StorageNotWritableException>())
            .Which.Message.Should().Contain(store.RootPath).And.Contain("read-write");
        await check.Should().ThrowAsync<StorageNotWritableException>();
    }

    [Fact]
    public async Task Write_DiskFullDuringWrites_ThrowsStorageFullRemovesPartialAndFailedRunStillCompletes()
    {
        _mount = TmpfsMount.TryMount(_temp.Combine("small"), "size=1m");
        if (_mount is null)
        {
            await AssertDevFullWriteMapsToStorageFullAsync();
            return;
        }

        var store = StoreTestSupport.Local(Path.Combine(_mount.Path, "backups"), createRoot: true);
        var runId = RunId.New();
        await using var set = await store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);
        var setPath = Path.Combine(store.RootPath, "nightly", set.DirectoryName);
        var kept = await WriteArtifactAsync(set, "small.tar.gz", Content(10_000, 1));
        var artifact = await set.CreateArtifactAsync("volume-big.tar.gz", CancellationToken.None);

        var write = async () =>
        {
            var chunk = Content(32 * 1024, 2);
            for (var i = 0; i < 64; i++)
            {
                await artifact.Stream.WriteAsync(chunk);
            }
        };

        var full = (await write.Should().ThrowAsync<StorageFullException>()).Which;
        full.Path.Should().Be(Path.Combine(setPath, "volume-big.tar.gz"));
        full.AvailableBytes.Should().NotBeNull().And.BeLessThan(1024 * 1024);
        full.Message.Should().Contain("full").And.Contain(Path.Combine(setPath, "volume-big.tar.gz")).And.Contain("free").And.Contain("retention");
        full.InnerException.Should().BeAssignableTo<IOException>().Which.HResult.Should().Be(Errno.ENOSPC);
        FileNames(setPath).Should().Equal("small.tar.gz");
        var writeAgain = () => artifact.Stream.WriteAsync(new byte[1]).AsTask();
        await writeAgain.Should().ThrowAsync<StorageFullException>();
        var commit = () => artifact.CommitAsync(new string('0', 64), CancellationToken.None);
        await commit.Should().ThrowAsync<InvalidOperationException>();

        await set.CompleteAsync(
            ManifestSamples.Manifest("nightly", runId, Started, [kept, ManifestSamples.Artifact(null, null, 0, ManifestStatus.Failed) with { Error = full.Message }], ManifestStatus.Failed),
            CancellationToken.None);

        var listed = (await ListAsync(store)).Should().ContainSingle().Subject;
        listed.State.Should().Be(BackupSetState.Complete);
        listed.Status.Should().Be(ManifestStatus.Failed);
        FileNames(setPath).Should().Equal("SHA256SUMS", "manifest.json", "small.tar.gz");
    }

    [Fact]
    public async Task CommitAsync_DiskFullWhenTheBufferIsFlushed_ThrowsStorageFullAndLeavesNoFile()
    {
        _mount = TmpfsMount.TryMount(_temp.Combine("small"), "size=1m");
        if (_mount is null)
        {
            await AssertDevFullWriteMapsToStorageFullAsync();
            return;
        }

        var store = StoreTestSupport.Local(Path.Combine(_mount.Path, "backups"), createRoot: true);
        await using var set = await store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        var setPath = Path.Combine(store.RootPath, "nightly", set.DirectoryName);
        var content = Content(30_000, 3);
        var artifact = await set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None);
        await artifact.Stream.WriteAsync(content);
        var filler = Path.Combine(_mount.Path, "filler");
        FillDisk(filler);

        var commit = () => artifact.CommitAsync(Sha256Hex(content), CancellationToken.None);

        (await commit.Should().ThrowAsync<StorageFullException>()).Which.Path.Should().Be(Path.Combine(setPath, "volume-a.tar.gz"));
        FileNames(setPath).Should().BeEmpty();
        File.Delete(filler);
        var retry = await set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None);
        await retry.Stream.WriteAsync(content);
        await retry.CommitAsync(Sha256Hex(content), CancellationToken.None);
        FileNames(setPath).Should().Equal("volume-a.tar.gz");
    }

    [Theory]
    [InlineData("SHA256SUMS", 0)]
    [InlineData("manifest.json", 1)]
    public async Task CompleteAsync_DiskFullWritingChecksumsOrManifest_RemovesTheSetAndSaysSo(string failingFile, int pagesLeft)
    {
        _mount = TmpfsMount.TryMount(_temp.Combine("small"), "size=1m");
        if (_mount is null)
        {
            await AssertDevFullWriteMapsToStorageFullAsync();
            return;
        }

        var store = StoreTestSupport.Local(Path.Combine(_mount.Path, "backups"), createRoot: true);
        var runId = RunId.New();
        await using var set = await store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);
        var setPath = Path.Combine(store.RootPath, "nightly", set.DirectoryName);
        var kept = await WriteArtifactAsync(set, "volume-a.tar.gz", Content(10_000, 4));

        // tmpfs counts whole pages: SHA256SUMS needs one, the manifest one more.
        var reserve = Path.Combine(_mount.Path, "reserve");
        await File.WriteAllBytesAsync(reserve, new byte[4096 * pagesLeft]);
        FillDisk(Path.Combine(_mount.Path, "filler"));
        File.Delete(reserve);

        var complete = () => set.CompleteAsync(ManifestSamples.Manifest("nightly", runId, Started, [kept]), CancellationToken.None);

        var thrown = (await complete.Should().ThrowAsync<StorageException>()).Which;
        thrown.InnerException.Should().BeOfType<StorageFullException>();
        thrown.Path.Should().Be(Path.Combine(setPath, failingFile));
        thrown.Message.Should().Contain($"nightly/{set.DirectoryName} could not be completed").And.Contain("disk full")
            .And.Contain(Path.Combine(setPath, failingFile)).And.Contain("The set was removed");
        Directory.Exists(setPath).Should().BeFalse("a set without its manifest is no backup and only holds space");
        (await ListAsync(store)).Should().BeEmpty();
        var again = () => set.CreateArtifactAsync("volume-b.tar.gz", CancellationToken.None);
        await again.Should().ThrowAsync<InvalidOperationException>().WithMessage("*was removed*");
    }

    [Fact]
    public async Task CompleteAsync_ChecksumsCannotBeCreated_RemovesTheSet()
    {
        var store = StoreTestSupport.Local(_temp.Combine("backups"), createRoot: true);
        var runId = RunId.New();
        await using var set = await store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);
        var setPath = Path.Combine(store.RootPath, "nightly", set.DirectoryName);
        var kept = await WriteArtifactAsync(set, "volume-a.tar.gz", Content(1000, 5));

        // A directory where the temporary SHA256SUMS goes: the write fails with an I/O error that is not ENOSPC.
        Directory.CreateDirectory(Path.Combine(setPath, BackupSetLayout.PartialNameFor(BackupSetLayout.ChecksumsFileName)));

        var complete = () => set.CompleteAsync(ManifestSamples.Manifest("nightly", runId, Started, [kept]), CancellationToken.None);

        (await complete.Should().ThrowAsync<StorageException>()).Which.Message.Should().Contain("could not be completed").And.Contain("The set was removed");
        Directory.Exists(setPath).Should().BeFalse();
        Directory.Exists(Path.Combine(store.RootPath, "nightly")).Should().BeTrue("only the set goes");
    }

    [Fact]
    public async Task ArtifactWriteStream_RealEnospcFromDevFull_IsTranslatedToStorageFull()
    {
        await AssertDevFullWriteMapsToStorageFullAsync();
    }

    [Theory]
    [InlineData(Errno.ENOSPC, typeof(StorageFullException))]
    [InlineData(Errno.EDQUOT, typeof(StorageFullException))]
    [InlineData(Errno.EROFS, typeof(StorageNotWritableException))]
    [InlineData(Errno.EACCES, typeof(StorageNotWritableException))]
    [InlineData(Errno.ENOTDIR, typeof(StorageNotWritableException))]
    public void Translate_ErrnoOfAnIOException_MapsToTheStorageException(int errno, Type expected)
    {
        var translated = LocalFileSystem.Translate(new IOException("failed", errno), "/backups/nightly/x");

        translated.Should().BeOfType(expected);
        translated!.Path.Should().Be("/backups/nightly/x");
    }

    [Fact]
    public void Translate_PermissionDenied_MapsToNotWritable()
    {
        LocalFileSystem.Translate(new UnauthorizedAccessException("denied"), "/backups").Should().BeOfType<StorageNotWritableException>();
    }

    [Fact]
    public void Translate_OtherIOError_IsLeftAlone()
    {
        LocalFileSystem.Translate(new IOException("I/O error", 5), "/backups").Should().BeNull();
    }

    private static void AssertErrnoMapsTo<T>(int errno)
        where T : StorageException =>
        LocalFileSystem.Translate(new IOException("failed", errno), "/backups").Should().BeOfType<T>();

    private static async Task AssertDevFullWriteMapsToStorageFullAsync()
    {
        var device = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        await using (device)
        {
            var stream = new ArtifactWriteStream(device, ex => LocalFileSystem.Translate(ex, "/dev/full") ?? ex);

            var write = () => stream.WriteAsync(new byte[4096]).AsTask();

            (await write.Should().ThrowAsync<StorageFullException>()).Which.InnerException!.HResult.Should().Be(Errno.ENOSPC);
            stream.BytesWritten.Should().Be(0);
        }
    }

    private static void FillDisk(string path)
    {
        using var filler = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(chunk);
            }
        }
        catch (IOException ex) when (ex.HResult == Errno.ENOSPC)
        {
        }
    }
}
