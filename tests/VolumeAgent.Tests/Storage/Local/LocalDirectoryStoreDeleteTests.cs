using System.Runtime.Versioning;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Local;
using static VolumeAgent.Tests.Storage.StoreTestSupport;

namespace VolumeAgent.Tests.Storage.Local;

[SupportedOSPlatform("linux")]
public sealed class LocalDirectoryStoreDeleteTests : IDisposable
{
    private static readonly DateTimeOffset Day = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly SetStore _store;

    public LocalDirectoryStoreDeleteTests()
    {
        _store = StoreTestSupport.Local(_temp.Combine("backups"), createRoot: true);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task DeleteSetAsync_CompleteSet_RemovesItsDirectoryAndNothingElse()
    {
        var doomed = await WriteCompleteSetAsync(_store, "nightly", Day, RunId.New(), ("a.tar.gz", Content(100, 1)));
        var kept = await WriteCompleteSetAsync(_store, "nightly", Day.AddDays(1), RunId.New(), ("a.tar.gz", Content(100, 2)));
        var set = (await ListAsync(_store)).First();

        await _store.DeleteSetAsync(set, CancellationToken.None);

        Directory.Exists(doomed).Should().BeFalse();
        FileNames(kept).Should().Equal("SHA256SUMS", "a.tar.gz", "manifest.json");
        (await ListAsync(_store)).Should().ContainSingle().Which.DirectoryName.Should().Be(Path.GetFileName(kept));
    }

    [Fact]
    public async Task DeleteSetAsync_InterruptedAfterTheFirstRemoval_RemovedTheManifestFirstSoTheSetListsIncomplete()
    {
        var setPath = await WriteCompleteSetAsync(_store, "nightly", Day, RunId.New(), ("a.tar.gz", Content(100, 3)), ("b.dump", Content(100, 4)));
        var removed = new List<string>();
        var crashing = new SetStore(new LocalDirectoryStore(_store.RootPath)
        {
            BeforeDelete = path =>
            {
                if (removed.Count == 1)
                {
                    throw new IOException("simulated crash");
                }

                removed.Add(Path.GetFileName(path));
            },
        });
        var set = (await ListAsync(crashing)).Single();

        var delete = () => crashing.DeleteSetAsync(set, CancellationToken.None);

        await delete.Should().ThrowAsync<IOException>().WithMessage("simulated crash");
        removed.Should().Equal("manifest.json");
        FileNames(setPath).Should().Equal("SHA256SUMS", "a.tar.gz", "b.dump");
        var listed = (await ListAsync(_store)).Single();
        listed.State.Should().Be(BackupSetState.Incomplete);

        await _store.DeleteSetAsync(listed, CancellationToken.None);
        Directory.Exists(setPath).Should().BeFalse();
    }

    [Fact]
    public async Task DeleteSetAsync_SetAlreadyGone_IsANoOp()
    {
        await WriteCompleteSetAsync(_store, "nightly", Day, RunId.New());
        var set = (await ListAsync(_store)).Single();
        await _store.DeleteSetAsync(set, CancellationToken.None);

        var again = () => _store.DeleteSetAsync(set, CancellationToken.None);

        await again.Should().NotThrowAsync();
    }

    [Fact]
    public async Task DeleteSetAsync_IncompleteSetWithLeftovers_RemovesEverything()
    {
        string setPath;
        await using (var writer = await _store.BeginSetAsync("nightly", Day, RunId.New(), CancellationToken.None))
        {
            setPath = Path.Combine(_store.RootPath, "nightly", writer.DirectoryName);
            await WriteArtifactAsync(writer, "a.tar.gz", Content(10, 5));
        }

        await File.WriteAllTextAsync(Path.Combine(setPath, ".b.tar.gz.partial"), "left by a crash");
        var set = (await ListAsync(_store)).Single();

        await _store.DeleteSetAsync(set, CancellationToken.None);

        Directory.Exists(setPath).Should().BeFalse();
    }

    [Fact]
    public async Task DeleteSetAsync_SetStillBeingWritten_IsRefused()
    {
        await using var writer = await _store.BeginSetAsync("nightly", Day, RunId.New(), CancellationToken.None);
        var set = (await ListAsync(_store)).Single();

        var delete = () => _store.DeleteSetAsync(set, CancellationToken.None);

        await delete.Should().ThrowAsync<InvalidOperationException>().WithMessage("*still being written*");
    }

    [Theory]
    [InlineData("..", "20261121T000000Z-00000000")]
    [InlineData("nightly", "..")]
    [InlineData("nightly", "../../etc")]
    public async Task DeleteSetAsync_InfoPointingOutsideTheStore_IsRefused(string job, string directoryName)
    {
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(outside);
        var set = new BackupSetInfo
        {
            Job = job,
            DirectoryName = directoryName,
            RunId = default,
            StartedAt = Day,
            State = BackupSetState.Complete,
            TotalStoredBytes = 0,
            ArtifactCount = 0,
        };

        var delete = () => _store.DeleteSetAsync(set, CancellationToken.None);

        await delete.Should().ThrowAsync<ArgumentException>();
        Directory.Exists(outside).Should().BeTrue();
    }

    [Fact]
    public async Task SweepPartialsAsync_LeftoversOfACrash_RemovesOnlyPartialFilesOfThatJob()
    {
        var crashed = await WriteCompleteSetAsync(_store, "nightly", Day, RunId.New(), ("a.tar.gz", Content(10, 6)));
        await File.WriteAllTextAsync(Path.Combine(crashed, ".b.tar.gz.partial"), "x");
        await File.WriteAllTextAsync(Path.Combine(crashed, ".manifest.json.partial"), "x");
        var other = await WriteCompleteSetAsync(_store, "hourly", Day, RunId.New());
        await File.WriteAllTextAsync(Path.Combine(other, ".c.tar.gz.partial"), "x");

        var removed = await _store.SweepPartialsAsync("nightly", CancellationToken.None);

        removed.Should().Be(2);
        FileNames(crashed).Should().Equal("SHA256SUMS", "a.tar.gz", "manifest.json");
        FileNames(other).Should().Contain(".c.tar.gz.partial");
    }

    [Fact]
    public async Task SweepPartialsAsync_SetThisStoreIsWriting_IsLeftAlone()
    {
        await using var writer = await _store.BeginSetAsync("nightly", Day, RunId.New(), CancellationToken.None);
        await using var artifact = await writer.CreateArtifactAsync("a.tar.gz", CancellationToken.None);
        await artifact.Stream.WriteAsync(Content(10, 7));

        var removed = await _store.SweepPartialsAsync("nightly", CancellationToken.None);

        removed.Should().Be(0);
        var content = Content(10, 7);
        await artifact.CommitAsync(Sha256Hex(content), CancellationToken.None);
        FileNames(Path.Combine(_store.RootPath, "nightly", writer.DirectoryName)).Should().Equal("a.tar.gz");
    }

    [Fact]
    public async Task SweepPartialsAsync_UnknownJob_RemovesNothing()
    {
        (await _store.SweepPartialsAsync("never-ran", CancellationToken.None)).Should().Be(0);
    }
}
