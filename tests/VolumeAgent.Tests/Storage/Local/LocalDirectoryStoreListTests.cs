using System.Runtime.Versioning;
using System.Text;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Manifest;
using static VolumeAgent.Tests.Storage.StoreTestSupport;

namespace VolumeAgent.Tests.Storage.Local;

[SupportedOSPlatform("linux")]
public sealed class LocalDirectoryStoreListTests : IDisposable
{
    private static readonly DateTimeOffset Day = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly SetStore _store;

    public LocalDirectoryStoreListTests()
    {
        _store = StoreTestSupport.Local(_temp.Combine("backups"), createRoot: true);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ListSetsAsync_MissingRoot_ReturnsNothingAndCreatesNothing()
    {
        (await ListAsync(_store)).Should().BeEmpty();
        (await ListAsync(_store, "nightly")).Should().BeEmpty();
        Directory.Exists(_store.RootPath).Should().BeFalse();
    }

    [Fact]
    public async Task ListSetsAsync_CompleteSet_ReportsManifestSizesAndCounts()
    {
        var runId = RunId.New();
        var started = Day.AddHours(2).AddMilliseconds(250);
        var setPath = await WriteCompleteSetAsync(_store, "nightly", started, runId, ("a.tar.gz", Content(1000, 1)), ("b.dump", Content(2000, 2)));

        var set = (await ListAsync(_store)).Should().ContainSingle().Subject;

        set.State.Should().Be(BackupSetState.Complete);
        set.Job.Should().Be("nightly");
        set.DirectoryName.Should().Be(Path.GetFileName(setPath));
        set.RunId.Should().Be(runId);
        set.StartedAt.Should().Be(started);
        set.Status.Should().Be(ManifestStatus.Succeeded);
        set.ArtifactCount.Should().Be(2);
        set.TotalStoredBytes.Should().Be(Directory.EnumerateFiles(setPath).Sum(f => new FileInfo(f).Length));
        set.TotalStoredBytes.Should().BeGreaterThan(3000);
        set.Problem.Should().BeNull();
        set.Manifest!.Artifacts.Select(a => a.File).Should().Equal("a.tar.gz", "b.dump");
    }

    [Fact]
    public async Task ListSetsAsync_SetWithoutManifest_IsIncompleteWithTimeFromItsName()
    {
        var runId = RunId.New();
        string directoryName;
        await using (var set = await _store.BeginSetAsync("nightly", Day.AddHours(3).AddMilliseconds(900), runId, CancellationToken.None))
        {
            directoryName = set.DirectoryName;
            await WriteArtifactAsync(set, "a.tar.gz", Content(500, 3));
        }

        var listed = (await ListAsync(_store)).Should().ContainSingle().Subject;

        listed.State.Should().Be(BackupSetState.Incomplete);
        listed.DirectoryName.Should().Be(directoryName);
        listed.RunId.Should().Be(runId);
        listed.StartedAt.Should().Be(Day.AddHours(3));
        listed.Status.Should().BeNull();
        listed.Manifest.Should().BeNull();
        listed.ArtifactCount.Should().Be(1);
        listed.TotalStoredBytes.Should().Be(500);
        listed.Problem.Should().Contain("No manifest.json");
    }

    public static TheoryData<string, string> CorruptManifests => new()
    {
        { "", "not a valid manifest" },
        { "{ \"format_version\": 1, \"job\": ", "not a valid manifest" },
        { "{ \"format_version\": 1, \"run_id\": \"RUNID\" }", "job" },
        { "[1, 2, 3]", "not a valid manifest" },
        { "{ \"format_version\": 9, \"job\": \"nightly\", \"run_id\": \"RUNID\" }", "newer agent" },
    };

    [Theory]
    [MemberData(nameof(CorruptManifests))]
    public async Task ListSetsAsync_UnreadableManifest_IsCorruptWithReasonAndDoesNotStopTheListing(string manifestText, string expectedProblem)
    {
        var runId = RunId.New();
        var corruptPath = await WriteCompleteSetAsync(_store, "nightly", Day.AddHours(1), runId, ("a.tar.gz", Content(10, 4)));
        await File.WriteAllTextAsync(Path.Combine(corruptPath, "manifest.json"), manifestText.Replace("RUNID", runId.ToString(), StringComparison.Ordinal), new UTF8Encoding(false));
        await WriteCompleteSetAsync(_store, "nightly", Day.AddHours(2), RunId.New(), ("a.tar.gz", Content(10, 5)));

        var listed = await ListAsync(_store);

        listed.Select(s => s.State).Should().Equal(BackupSetState.Corrupt, BackupSetState.Complete);
        listed[0].Problem.Should().Contain(expectedProblem);
        listed[0].Manifest.Should().BeNull();
        listed[0].StartedAt.Should().Be(Day.AddHours(1));
        listed[0].RunId.Should().Be(runId);
    }

    [Fact]
    public async Task ListSetsAsync_ManifestCopiedFromAnotherSet_IsCorrupt()
    {
        var first = await WriteCompleteSetAsync(_store, "nightly", Day.AddHours(1), RunId.New(), ("a.tar.gz", Content(10, 6)));
        var second = await WriteCompleteSetAsync(_store, "nightly", Day.AddHours(2), RunId.New(), ("a.tar.gz", Content(10, 7)));
        File.Copy(Path.Combine(first, "manifest.json"), Path.Combine(second, "manifest.json"), overwrite: true);

        var listed = await ListAsync(_store);

        listed.Select(s => s.State).Should().Equal(BackupSetState.Complete, BackupSetState.Corrupt);
        listed[1].Problem.Should().Contain("copied from another set");
    }

    [Fact]
    public async Task ListSetsAsync_OrdersByJobThenManifestTime_NotByDirectoryNameOrMtime()
    {
        // The directory name says 23:00 but the manifest says 01:00: the manifest wins.
        var late = RunId.Parse("00000001");
        await using (var set = await _store.BeginSetAsync("nightly", Day.AddHours(23), late, CancellationToken.None))
        {
            await set.CompleteAsync(ManifestSamples.Manifest("nightly", late, Day.AddHours(1), []), CancellationToken.None);
        }

        var middle = RunId.Parse("00000002");
        await using (var set = await _store.BeginSetAsync("nightly", Day.AddHours(2), middle, CancellationToken.None))
        {
            // Incomplete: its time comes from the directory name.
        }

        var last = RunId.Parse("00000003");
        await WriteCompleteSetAsync(_store, "nightly", Day.AddHours(3), last);
        var otherJob = RunId.Parse("00000004");
        await WriteCompleteSetAsync(_store, "another-job", Day.AddHours(5), otherJob);
        var earlierOtherJob = RunId.Parse("00000005");
        await WriteCompleteSetAsync(_store, "another-job", Day.AddHours(4), earlierOtherJob);

        // mtimes say the opposite of the real order.
        var mtime = DateTime.UtcNow;
        foreach (var setPath in Directory.EnumerateDirectories(_store.RootPath).SelectMany(Directory.EnumerateDirectories))
        {
            var id = Path.GetFileName(setPath)[^8..];
            var stamp = mtime.AddHours(-int.Parse(id, System.Globalization.CultureInfo.InvariantCulture));
            foreach (var file in Directory.EnumerateFiles(setPath))
            {
                File.SetLastWriteTimeUtc(file, stamp);
            }

            Directory.SetLastWriteTimeUtc(setPath, stamp);
        }

        var listed = await ListAsync(_store);

        listed.Select(s => (s.Job, s.RunId.ToString())).Should().Equal(
            ("another-job", "00000005"),
            ("another-job", "00000004"),
            ("nightly", "00000001"),
            ("nightly", "00000002"),
            ("nightly", "00000003"));
        listed[2].StartedAt.Should().Be(Day.AddHours(1));
        (await ListAsync(_store, "nightly")).Select(s => s.RunId).Should().Equal(late, middle, last);
    }

    [Fact]
    public async Task ListSetsAsync_EntriesThatAreNotSets_AreIgnored()
    {
        await WriteCompleteSetAsync(_store, "nightly", Day, RunId.New());
        Directory.CreateDirectory(Path.Combine(_store.RootPath, "lost+found"));
        Directory.CreateDirectory(Path.Combine(_store.RootPath, ".trash", "20261121T000000Z-00000000"));
        await File.WriteAllTextAsync(Path.Combine(_store.RootPath, "README.txt"), "notes");
        Directory.CreateDirectory(Path.Combine(_store.RootPath, "nightly", "manual-copy"));
        Directory.CreateDirectory(Path.Combine(_store.RootPath, "nightly", ".20261121T000000Z-00000000"));
        await File.WriteAllTextAsync(Path.Combine(_store.RootPath, "nightly", "20261121T010000Z-0000000a"), "a file, not a set");

        var listed = await ListAsync(_store);

        listed.Should().ContainSingle().Which.State.Should().Be(BackupSetState.Complete);
    }

    [Fact]
    public async Task ListSetsAsync_JobFilter_ListsOnlyThatJob()
    {
        await WriteCompleteSetAsync(_store, "nightly", Day, RunId.New());
        await WriteCompleteSetAsync(_store, "hourly", Day, RunId.New());

        (await ListAsync(_store, "hourly")).Should().ContainSingle().Which.Job.Should().Be("hourly");
        (await ListAsync(_store, "weekly")).Should().BeEmpty();
        var invalid = () => ListAsync(_store, "../nightly");
        await invalid.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task OpenArtifactReadAsync_CommittedArtifact_ReturnsItsBytes()
    {
        var content = Content(150_000, 8);
        await WriteCompleteSetAsync(_store, "nightly", Day, RunId.New(), ("volume-a.tar.gz", content));
        var set = (await ListAsync(_store)).Single();

        await using var stream = await _store.OpenArtifactReadAsync(set, "volume-a.tar.gz", CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        copy.ToArray().Should().Equal(content);
    }

    [Fact]
    public async Task OpenArtifactReadAsync_MissingArtifact_ThrowsFileNotFoundNamingSetAndFile()
    {
        await WriteCompleteSetAsync(_store, "nightly", Day, RunId.New());
        var set = (await ListAsync(_store)).Single();

        var open = () => _store.OpenArtifactReadAsync(set, "volume-b.tar.gz", CancellationToken.None);

        await open.Should().ThrowAsync<FileNotFoundException>().WithMessage($"*nightly/{set.DirectoryName}*volume-b.tar.gz*");
    }

    [Fact]
    public async Task UpdateManifestAsync_RecordsVerificationAtomicallyWithMode0600()
    {
        var setPath = await WriteCompleteSetAsync(_store, "nightly", Day, RunId.New(), ("a.tar.gz", Content(10, 9)));
        var set = (await ListAsync(_store)).Single();
        var verification = new ManifestVerification
        {
            VerifiedAt = Day.AddDays(1),
            Kind = ManifestVerificationKind.Verify,
            Status = ManifestStatus.Succeeded,
            Details = "1 file matches SHA256SUMS",
        };

        await _store.UpdateManifestAsync(set, set.Manifest! with { Verification = verification }, CancellationToken.None);

        var updated = (await ListAsync(_store)).Single();
        updated.Manifest!.Verification.Should().Be(verification);
        updated.Manifest.Artifacts.Should().BeEquivalentTo(set.Manifest.Artifacts);
        FileNames(setPath).Should().Equal("SHA256SUMS", "a.tar.gz", "manifest.json");
        File.GetUnixFileMode(Path.Combine(setPath, "manifest.json")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task UpdateManifestAsync_IncompleteSet_IsRefusedAndWritesNoManifest()
    {
        var runId = RunId.New();
        await using (await _store.BeginSetAsync("nightly", Day, runId, CancellationToken.None))
        {
        }

        var set = (await ListAsync(_store)).Single();

        var update = () => _store.UpdateManifestAsync(set, ManifestSamples.Manifest("nightly", runId, Day, []), CancellationToken.None);

        await update.Should().ThrowAsync<InvalidOperationException>().WithMessage("*no manifest.json*");
        (await ListAsync(_store)).Single().State.Should().Be(BackupSetState.Incomplete);
    }

    [Fact]
    public async Task UpdateManifestAsync_ManifestOfAnotherRun_IsRefused()
    {
        await WriteCompleteSetAsync(_store, "nightly", Day, RunId.Parse("00000001"));
        var set = (await ListAsync(_store)).Single();

        var update = () => _store.UpdateManifestAsync(set, set.Manifest! with { RunId = RunId.Parse("00000002") }, CancellationToken.None);

        await update.Should().ThrowAsync<ArgumentException>();
        (await ListAsync(_store)).Single().Manifest!.RunId.Should().Be(RunId.Parse("00000001"));
    }
}
