using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Manifest;
using static VolumeAgent.Tests.Storage.StoreTestSupport;

namespace VolumeAgent.Tests.Storage.Local;

[SupportedOSPlatform("linux")]
public sealed class LocalDirectoryStoreWriteTests : IDisposable
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Mode0700 = Mode0600 | UnixFileMode.UserExecute;

    private static readonly DateTimeOffset Started = new(2026, 11, 21, 2, 0, 3, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly SetStore _store;

    public LocalDirectoryStoreWriteTests()
    {
        _store = StoreTestSupport.Local(_temp.Combine("backups"), createRoot: true);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task CompleteAsync_SetWithTwoArtifacts_Sha256sumCheckPassesInTheSetDirectory()
    {
        var runId = RunId.New();
        var setPath = await WriteCompleteSetAsync(
            _store, "nightly", Started, runId,
            ("volume-app_uploads.tar.gz", Content(300_000, 1)),
            ("postgres-db-app.dump", Content(12_345, 2)));

        var (exitCode, output) = await RunAsync("sha256sum", setPath, "-c", "--strict", "SHA256SUMS");

        exitCode.Should().Be(0, output);
        output.Should().Contain("volume-app_uploads.tar.gz: OK").And.Contain("postgres-db-app.dump: OK");
        Path.GetFileName(setPath).Should().Be($"20261121T020003Z-{runId}");
    }

    [Fact]
    public async Task CompleteAsync_SetWithTwoArtifacts_WritesSortedTwoSpaceChecksumLinesAndTheManifest()
    {
        var first = Content(1000, 3);
        var second = Content(2000, 4);
        var runId = RunId.New();

        var setPath = await WriteCompleteSetAsync(_store, "nightly", Started, runId, ("z-last.tar.gz", first), ("a-first.dump", second));

        File.ReadAllText(Path.Combine(setPath, "SHA256SUMS")).Should().Be(
            $"{Sha256Hex(second)}  a-first.dump\n{Sha256Hex(first)}  z-last.tar.gz\n");
        var manifest = ManifestSerializer.Deserialize(File.ReadAllBytes(Path.Combine(setPath, "manifest.json")));
        manifest.RunId.Should().Be(runId);
        manifest.Artifacts.Select(a => a.File).Should().Equal("z-last.tar.gz", "a-first.dump");
        FileNames(setPath).Should().Equal("SHA256SUMS", "a-first.dump", "manifest.json", "z-last.tar.gz");
        File.ReadAllBytes(Path.Combine(setPath, "z-last.tar.gz")).Should().Equal(first);
    }

    [Fact]
    public async Task CompleteAsync_ArtifactsWrittenConcurrently_AreAllCommittedAndChecked()
    {
        var runId = RunId.New();
        await using var set = await _store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);

        var entries = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Task.Run(() => WriteArtifactAsync(set, $"volume-{i}.tar.gz", Content(200_000 + i, 100 + i)))));
        await set.CompleteAsync(ManifestSamples.Manifest("nightly", runId, Started, entries), CancellationToken.None);

        var (exitCode, output) = await RunAsync("sha256sum", setPath, "-c", "--strict", "SHA256SUMS");
        exitCode.Should().Be(0, output);
        File.ReadAllLines(Path.Combine(setPath, "SHA256SUMS")).Should().HaveCount(6);
    }

    [Fact]
    public async Task CompleteAsync_NewRoot_CreatesDirectories0700AndFiles0600()
    {
        var setPath = await WriteCompleteSetAsync(_store, "nightly", Started, RunId.New(), ("volume-a.tar.gz", Content(10, 5)));

        foreach (var directory in new[] { _store.RootPath, Path.GetDirectoryName(setPath)!, setPath })
        {
            File.GetUnixFileMode(directory).Should().Be(Mode0700, directory);
        }

        foreach (var file in Directory.EnumerateFiles(setPath))
        {
            File.GetUnixFileMode(file).Should().Be(Mode0600, file);
        }

        Directory.EnumerateFiles(setPath).Should().HaveCount(3);
    }

    [Fact]
    public async Task CreateArtifactAsync_WhileWriting_OnlyAHiddenPartialFileExists()
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);

        await using var artifact = await set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None);
        await artifact.Stream.WriteAsync(Content(100_000, 6));
        await artifact.Stream.FlushAsync();

        FileNames(setPath).Should().Equal(".volume-a.tar.gz.partial");
        File.GetUnixFileMode(Path.Combine(setPath, ".volume-a.tar.gz.partial")).Should().Be(Mode0600);
        artifact.BytesWritten.Should().Be(100_000);
    }

    [Fact]
    public async Task AbortAsync_AfterWriting_LeavesNeitherFinalNorPartialFile()
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);
        var artifact = await set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None);
        await artifact.Stream.WriteAsync(Content(200_000, 7));

        await artifact.AbortAsync();
        await artifact.AbortAsync();

        FileNames(setPath).Should().BeEmpty();
        var commit = () => artifact.CommitAsync(new string('0', 64), CancellationToken.None);
        await commit.Should().ThrowAsync<InvalidOperationException>().WithMessage("*volume-a.tar.gz*aborted*");
    }

    [Fact]
    public async Task DisposeAsync_WithoutCommit_AbortsTheArtifact()
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);

        await using (var artifact = await set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None))
        {
            await artifact.Stream.WriteAsync(Content(50_000, 8));
        }

        FileNames(setPath).Should().BeEmpty();
    }

    [Fact]
    public async Task DisposeAsync_AfterCommit_KeepsTheFile()
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);

        await WriteArtifactAsync(set, "volume-a.tar.gz", Content(5000, 9));

        FileNames(setPath).Should().Equal("volume-a.tar.gz");
    }

    [Fact]
    public async Task Stream_DisposedByAWrappingCompressor_CanStillBeCommitted()
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);
        var artifact = await set.CreateArtifactAsync("data.gz", CancellationToken.None);
        var content = Content(64_000, 10);

        await using (var gzip = new System.IO.Compression.GZipStream(artifact.Stream, System.IO.Compression.CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(content);
        }

        var write = () => artifact.Stream.Write([1]);
        write.Should().Throw<ObjectDisposedException>();
        await artifact.CommitAsync(new string('a', 64), CancellationToken.None);
        var (exitCode, output) = await RunAsync("gzip", setPath, "-t", "data.gz");
        exitCode.Should().Be(0, output);
        artifact.BytesWritten.Should().Be(new FileInfo(Path.Combine(setPath, "data.gz")).Length);
    }

    [Fact]
    public async Task DisposeAsync_SetWithoutComplete_AbortsOpenArtifactsKeepsCommittedAndWritesNoManifest()
    {
        string setPath;
        await using (var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None))
        {
            setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);
            await WriteArtifactAsync(set, "volume-a.tar.gz", Content(100, 11));
            var open = await set.CreateArtifactAsync("volume-b.tar.gz", CancellationToken.None);
            await open.Stream.WriteAsync(Content(100, 12));
        }

        FileNames(setPath).Should().Equal("volume-a.tar.gz");
        var listed = await ListAsync(_store, "nightly");
        listed.Should().ContainSingle().Which.State.Should().Be(BackupSetState.Incomplete);
    }

    [Fact]
    public async Task CompleteAsync_FailedRun_WritesManifestWithStatusFailedKeepsCommittedArtifactsAndLists()
    {
        var runId = RunId.New();
        string setPath;
        await using (var set = await _store.BeginSetAsync("nightly", Started, runId, CancellationToken.None))
        {
            setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);
            var kept = await WriteArtifactAsync(set, "volume-a.tar.gz", Content(4096, 13));
            var failedWriter = await set.CreateArtifactAsync("postgres-db-app.dump", CancellationToken.None);
            await failedWriter.Stream.WriteAsync(Content(100, 14));
            await failedWriter.AbortAsync();
            var failed = ManifestSamples.Artifact(null, null, 0, ManifestStatus.Failed) with { Error = "pg_dump exited with code 1" };

            await set.CompleteAsync(
                ManifestSamples.Manifest("nightly", runId, Started, [kept, failed], ManifestStatus.Failed, "1 of 2 sources failed"),
                CancellationToken.None);
        }

        FileNames(setPath).Should().Equal("SHA256SUMS", "manifest.json", "volume-a.tar.gz");
        File.ReadAllText(Path.Combine(setPath, "SHA256SUMS")).Should().EndWith("  volume-a.tar.gz\n").And.HaveLength(64 + 2 + 15 + 1);
        var listed = (await ListAsync(_store)).Should().ContainSingle().Subject;
        listed.State.Should().Be(BackupSetState.Complete);
        listed.Status.Should().Be(ManifestStatus.Failed);
        listed.Manifest!.Error.Should().Be("1 of 2 sources failed");
        listed.ArtifactCount.Should().Be(2);
        (await RunAsync("sha256sum", setPath, "-c", "SHA256SUMS")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task CompleteAsync_ArtifactStillOpen_AbortsItAndLeavesItOut()
    {
        var runId = RunId.New();
        await using var set = await _store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);
        var open = await set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None);
        await open.Stream.WriteAsync(Content(100, 15));

        await set.CompleteAsync(ManifestSamples.Manifest("nightly", runId, Started, [], ManifestStatus.Failed), CancellationToken.None);

        FileNames(setPath).Should().Equal("SHA256SUMS", "manifest.json");
        File.ReadAllText(Path.Combine(setPath, "SHA256SUMS")).Should().BeEmpty();
    }

    public static TheoryData<string, string> ManifestMismatches => new()
    {
        { "missing", "'volume-b.tar.gz' was not committed" },
        { "wrong-hash", "sha256" },
        { "wrong-size", "stored_bytes" },
        { "unlisted", "'volume-a.tar.gz' is not in the manifest" },
        { "twice", "listed twice" },
    };

    [Theory]
    [MemberData(nameof(ManifestMismatches))]
    public async Task CompleteAsync_ManifestDisagreesWithCommittedFiles_IsRefusedAndWritesNothing(string mismatch, string expected)
    {
        var runId = RunId.New();
        await using var set = await _store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);
        var entry = await WriteArtifactAsync(set, "volume-a.tar.gz", Content(100, 16));
        IReadOnlyList<ManifestArtifact> artifacts = mismatch switch
        {
            "missing" => [entry, entry with { File = "volume-b.tar.gz" }],
            "wrong-hash" => [entry with { Sha256 = new string('f', 64) }],
            "wrong-size" => [entry with { StoredBytes = 99 }],
            "unlisted" => [],
            _ => [entry, entry],
        };

        var complete = () => set.CompleteAsync(ManifestSamples.Manifest("nightly", runId, Started, artifacts), CancellationToken.None);

        await complete.Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{expected}*");
        FileNames(setPath).Should().Equal("volume-a.tar.gz");
    }

    [Fact]
    public async Task CompleteAsync_ManifestOfAnotherRun_IsRefused()
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.Parse("00000001"), CancellationToken.None);

        var complete = () => set.CompleteAsync(ManifestSamples.Manifest("nightly", RunId.Parse("00000002"), Started, []), CancellationToken.None);

        await complete.Should().ThrowAsync<ArgumentException>().WithMessage("*00000002*00000001*");
    }

    [Fact]
    public async Task CompleteAsync_Twice_SecondCallIsRefused()
    {
        var runId = RunId.New();
        await using var set = await _store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);
        var manifest = ManifestSamples.Manifest("nightly", runId, Started, []);
        await set.CompleteAsync(manifest, CancellationToken.None);

        var again = () => set.CompleteAsync(manifest, CancellationToken.None);
        var create = () => set.CreateArtifactAsync("late.tar.gz", CancellationToken.None);

        await again.Should().ThrowAsync<InvalidOperationException>().WithMessage("*already complete*");
        await create.Should().ThrowAsync<InvalidOperationException>();
    }

    [Fact]
    public async Task CreateArtifactAsync_SameNameTwice_IsRefused()
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        await WriteArtifactAsync(set, "volume-a.tar.gz", Content(10, 17));

        var again = () => set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None);

        await again.Should().ThrowAsync<InvalidOperationException>().WithMessage("*volume-a.tar.gz*own file name*");
    }

    [Theory]
    [InlineData("manifest.json")]
    [InlineData("SHA256SUMS")]
    [InlineData("../outside.tar.gz")]
    [InlineData(".hidden")]
    [InlineData("with space.sql")]
    public async Task CreateArtifactAsync_ReservedOrUnsafeName_IsRefused(string fileName)
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);

        var create = () => set.CreateArtifactAsync(fileName, CancellationToken.None);

        await create.Should().ThrowAsync<ArgumentException>().WithMessage($"*{fileName}*");
    }

    [Theory]
    [InlineData("ABC")]
    [InlineData("not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-not-hex-")]
    public async Task CommitAsync_InvalidDigest_IsRefusedAndArtifactStaysOpen(string digest)
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        await using var artifact = await set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None);

        var commit = () => artifact.CommitAsync(digest, CancellationToken.None);

        await commit.Should().ThrowAsync<ArgumentException>().WithMessage("*SHA-256*");
        await artifact.CommitAsync(new string('A', 64), CancellationToken.None);
    }

    [Fact]
    public async Task CommitAsync_Cancelled_RemovesThePartialAndTheArtifactIsNotCommitted()
    {
        await using var set = await _store.BeginSetAsync("nightly", Started, RunId.New(), CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);
        var artifact = await set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None);
        await artifact.Stream.WriteAsync(Content(1000, 19));

        var commit = () => artifact.CommitAsync(new string('a', 64), new CancellationToken(canceled: true));

        await commit.Should().ThrowAsync<OperationCanceledException>();
        FileNames(setPath).Should().BeEmpty();
        var again = await set.CreateArtifactAsync("volume-a.tar.gz", CancellationToken.None);
        await again.AbortAsync();
    }

    [Fact]
    public async Task CommitAsync_UppercaseDigest_IsRecordedLowercase()
    {
        var runId = RunId.New();
        await using var set = await _store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);
        var content = Content(10, 18);
        await using (var artifact = await set.CreateArtifactAsync("a.bin", CancellationToken.None))
        {
            await artifact.Stream.WriteAsync(content);
            await artifact.CommitAsync(Sha256Hex(content).ToUpperInvariant(), CancellationToken.None);
        }

        await set.CompleteAsync(ManifestSamples.Manifest("nightly", runId, Started, [ManifestSamples.Artifact("a.bin", Sha256Hex(content), 10)]), CancellationToken.None);

        File.ReadAllText(Path.Combine(setPath, "SHA256SUMS")).Should().Be($"{Sha256Hex(content)}  a.bin\n");
    }

    [Fact]
    public async Task BeginSetAsync_SameTimeAndRunIdTwice_IsRefused()
    {
        var runId = RunId.New();
        await using var first = await _store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);

        var second = () => _store.BeginSetAsync("nightly", Started.AddMilliseconds(300), runId, CancellationToken.None);

        await second.Should().ThrowAsync<IOException>().WithMessage($"*{first.DirectoryName}*already exists*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    public async Task BeginSetAsync_UnsafeJobName_IsRefused(string job)
    {
        var begin = () => _store.BeginSetAsync(job, Started, RunId.New(), CancellationToken.None);

        await begin.Should().ThrowAsync<ArgumentException>();
        Directory.Exists(_store.RootPath).Should().BeFalse();
    }

    [Fact]
    public async Task CompleteAsync_StaleTemporaryManifestFromACrash_IsReplaced()
    {
        var runId = RunId.New();
        await using var set = await _store.BeginSetAsync("nightly", Started, runId, CancellationToken.None);
        var setPath = Path.Combine(_store.RootPath, "nightly", set.DirectoryName);
        await File.WriteAllTextAsync(Path.Combine(setPath, ".manifest.json.partial"), new string('x', 100_000), Encoding.UTF8);

        await set.CompleteAsync(ManifestSamples.Manifest("nightly", runId, Started, []), CancellationToken.None);

        FileNames(setPath).Should().Equal("SHA256SUMS", "manifest.json");
        ManifestSerializer.Deserialize(File.ReadAllBytes(Path.Combine(setPath, "manifest.json"))).RunId.Should().Be(runId);
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
