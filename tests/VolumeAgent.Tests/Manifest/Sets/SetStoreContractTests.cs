using System.Text;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Manifest.Sets;

/// <summary>
/// What every storage does with sets, because the set logic is shared (<see cref="SetStore"/>): each storage type
/// derives a class that only says how to make its <see cref="IObjectStore"/>, and these tests pin it. The calls are
/// recorded (<see cref="RecordingObjectStore"/>) to check the order of writes and removals.
/// </summary>
public abstract class SetStoreContractTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);

    private RecordingObjectStore? _objects;

    private RecordingObjectStore Objects => _objects ??= new RecordingObjectStore(CreateObjects());

    private SetStore Store => field ??= new SetStore(Objects);

    [Fact]
    public async Task CompleteAsync_WritesArtifactsThenSha256SumsThenTheManifestLast()
    {
        var a = StoreTestSupport.Content(5000, 1);
        var b = StoreTestSupport.Content(20000, 2);
        var runId = RunId.Parse("0000000a");
        await using (var writer = await Store.BeginSetAsync("nightly", Day, runId, CancellationToken.None))
        {
            var entries = new List<ManifestArtifact>
            {
                await StoreTestSupport.WriteArtifactAsync(writer, "b.dump", b),
                await StoreTestSupport.WriteArtifactAsync(writer, "a.tar.gz", a),
            };
            await writer.CompleteAsync(ManifestSamples.Manifest("nightly", runId, Day, entries), CancellationToken.None);
        }

        Objects.Calls.Should().Equal("create set", "commit b.dump", "commit a.tar.gz", "put SHA256SUMS", "put manifest.json");
        var set = (await StoreTestSupport.ListAsync(Store)).Should().ContainSingle().Which;
        set.State.Should().Be(BackupSetState.Complete);
        set.Manifest!.RunId.Should().Be(runId);
        set.ArtifactCount.Should().Be(2);
        var sums = await ReadTextAsync(await Store.OpenChecksumsReadAsync(set, CancellationToken.None));
        sums.Should().Be($"{StoreTestSupport.Sha256Hex(a)}  a.tar.gz\n{StoreTestSupport.Sha256Hex(b)}  b.dump\n", "sha256sum's own format, sorted by name");
        set.TotalStoredBytes.Should().Be(a.Length + b.Length + Encoding.UTF8.GetByteCount(sums) + ManifestSerializer.SerializeToUtf8Bytes(set.Manifest).Length);
        var checksums = await ChecksumsFile.ReadAsync(Store, set, CancellationToken.None);
        checksums!.HashOf("a.tar.gz").Should().Be(StoreTestSupport.Sha256Hex(a));
        checksums.Problems.Should().BeEmpty();
        var stored = await Store.OpenArtifactReadAsync(set, "b.dump", CancellationToken.None);
        await using (stored)
        {
            using var copy = new MemoryStream();
            await stored.CopyToAsync(copy);
            copy.ToArray().Should().Equal(b);
        }
    }

    [Fact]
    public async Task ListSetsAsync_SetNeverCompleted_IsIncompleteWithItsArtifactsCounted()
    {
        await using (var writer = await Store.BeginSetAsync("nightly", Day, RunId.New(), CancellationToken.None))
        {
            await StoreTestSupport.WriteArtifactAsync(writer, "a.tar.gz", StoreTestSupport.Content(100, 3));
            await using var open = await writer.CreateArtifactAsync("b.tar.gz", CancellationToken.None);
            await open.Stream.WriteAsync(StoreTestSupport.Content(50, 4));
        }

        var set = (await StoreTestSupport.ListAsync(Store)).Should().ContainSingle().Which;
        set.State.Should().Be(BackupSetState.Incomplete);
        set.ArtifactCount.Should().Be(1, "the artifact left open was aborted, not kept");
        set.Problem.Should().Contain("No manifest.json");
        Objects.Calls.Should().Contain("abort b.tar.gz");
    }

    [Fact]
    public async Task ListSetsAsync_OrdersByJobThenStartTime()
    {
        await StoreTestSupport.CompleteSetAsync(Store, "weekly", Day, RunId.Parse("00000001"));
        await StoreTestSupport.CompleteSetAsync(Store, "nightly", Day.AddDays(1), RunId.Parse("00000002"));
        await StoreTestSupport.CompleteSetAsync(Store, "nightly", Day, RunId.Parse("00000003"));

        var sets = await StoreTestSupport.ListAsync(Store);

        sets.Select(s => $"{s.Job} {s.RunId}").Should().Equal("nightly 00000003", "nightly 00000002", "weekly 00000001");
        (await StoreTestSupport.ListAsync(Store, "weekly")).Should().ContainSingle();
    }

    [Fact]
    public async Task ListSetsAsync_ManifestThatIsNotJson_IsCorrupt()
    {
        var address = new SetAddress("nightly", BackupSetLayout.FormatSetName(Day, RunId.New()));
        await Objects.CreateSetAsync(address, CancellationToken.None);
        await Objects.PutAsync(address, BackupSetLayout.ManifestFileName, "{ not json"u8.ToArray(), CancellationToken.None);

        var set = (await StoreTestSupport.ListAsync(Store)).Should().ContainSingle().Which;

        set.State.Should().Be(BackupSetState.Corrupt);
        set.Problem.Should().Contain("manifest.json");
    }

    [Fact]
    public async Task ListSetsAsync_ManifestCopiedFromAnotherSet_IsCorrupt()
    {
        await StoreTestSupport.CompleteSetAsync(Store, "nightly", Day, RunId.Parse("00000001"));
        var original = (await StoreTestSupport.ListAsync(Store)).Single();
        var copy = new SetAddress("nightly", BackupSetLayout.FormatSetName(Day.AddHours(1), RunId.Parse("00000002")));
        await Objects.CreateSetAsync(copy, CancellationToken.None);
        await Objects.PutAsync(copy, BackupSetLayout.ManifestFileName, ManifestSerializer.SerializeToUtf8Bytes(original.Manifest!), CancellationToken.None);

        var sets = await StoreTestSupport.ListAsync(Store);

        sets.Single(s => s.DirectoryName == copy.Name).Problem.Should().Contain("copied from another set");
        sets.Single(s => s.DirectoryName == copy.Name).State.Should().Be(BackupSetState.Corrupt);
    }

    [Fact]
    public async Task CompleteAsync_ManifestNamesAFileThatWasNotCommitted_ThrowsAndWritesNeitherFile()
    {
        var runId = RunId.New();
        await using var writer = await Store.BeginSetAsync("nightly", Day, runId, CancellationToken.None);
        var entry = await StoreTestSupport.WriteArtifactAsync(writer, "a.tar.gz", StoreTestSupport.Content(100, 5));
        var manifest = ManifestSamples.Manifest("nightly", runId, Day, [entry, ManifestSamples.Artifact("ghost.tar.gz", new string('0', 64), 10)]);

        var complete = () => writer.CompleteAsync(manifest, CancellationToken.None);

        (await complete.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("'ghost.tar.gz' was not committed");
        Objects.Calls.Should().NotContain(call => call.StartsWith("put ", StringComparison.Ordinal));
        (await StoreTestSupport.ListAsync(Store)).Single().State.Should().Be(BackupSetState.Incomplete);
    }

    [Fact]
    public async Task CompleteAsync_ManifestCannotBeWritten_RemovesTheSetManifestFirst()
    {
        Objects.FailPutOf = BackupSetLayout.ManifestFileName;
        var runId = RunId.New();
        await using var writer = await Store.BeginSetAsync("nightly", Day, runId, CancellationToken.None);
        var entry = await StoreTestSupport.WriteArtifactAsync(writer, "a.tar.gz", StoreTestSupport.Content(100, 6));

        var complete = () => writer.CompleteAsync(ManifestSamples.Manifest("nightly", runId, Day, [entry]), CancellationToken.None);

        (await complete.Should().ThrowAsync<StorageException>()).Which.Message
            .Should().Contain("could not be completed").And.Contain("simulated failure").And.Contain("The set was removed");
        Objects.Calls.Should().EndWith(["put SHA256SUMS", "failed put manifest.json", "delete manifest.json", "delete set"]);
        (await StoreTestSupport.ListAsync(Store)).Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteSetAsync_RemovesTheManifestFirst_AndRefusesASetStillBeingWritten()
    {
        await StoreTestSupport.CompleteSetAsync(Store, "nightly", Day, RunId.New(), ("a.tar.gz", StoreTestSupport.Content(10, 7)));
        var done = (await StoreTestSupport.ListAsync(Store)).Single();
        await using var writing = await Store.BeginSetAsync("nightly", Day.AddDays(1), RunId.New(), CancellationToken.None);
        var busy = (await StoreTestSupport.ListAsync(Store)).Single(s => s.DirectoryName == writing.DirectoryName);

        await Store.DeleteSetAsync(done, CancellationToken.None);
        var deleteBusy = () => Store.DeleteSetAsync(busy, CancellationToken.None);

        Objects.Calls.Should().EndWith(["delete manifest.json", "delete set"]);
        await deleteBusy.Should().ThrowAsync<InvalidOperationException>().WithMessage("*still being written*");
        (await StoreTestSupport.ListAsync(Store)).Select(s => s.DirectoryName).Should().Equal(writing.DirectoryName);
    }

    [Fact]
    public async Task SweepPartialsAsync_RemovesTemporaryObjects_ExceptInSetsBeingWritten()
    {
        await StoreTestSupport.CompleteSetAsync(Store, "nightly", Day, RunId.New(), ("a.tar.gz", StoreTestSupport.Content(10, 8)));
        var done = new SetAddress("nightly", (await StoreTestSupport.ListAsync(Store)).Single().DirectoryName);
        await Objects.PutAsync(done, BackupSetLayout.PartialNameFor("b.tar.gz"), "left by a crash"u8.ToArray(), CancellationToken.None);
        await using var writing = await Store.BeginSetAsync("nightly", Day.AddDays(1), RunId.New(), CancellationToken.None);
        var busy = new SetAddress("nightly", writing.DirectoryName);
        await Objects.PutAsync(busy, BackupSetLayout.PartialNameFor("c.tar.gz"), "in progress"u8.ToArray(), CancellationToken.None);

        var removed = await Store.SweepPartialsAsync("nightly", CancellationToken.None);

        removed.Should().Be(1);
        (await Names(done)).Should().Equal("SHA256SUMS", "a.tar.gz", "manifest.json");
        (await Names(busy)).Should().Contain(BackupSetLayout.PartialNameFor("c.tar.gz"));
    }

    [Fact]
    public async Task UpdateManifestAsync_ReplacesACompleteSetsManifest_ButNeverCompletesAnIncompleteSet()
    {
        var runId = RunId.New();
        await StoreTestSupport.CompleteSetAsync(Store, "nightly", Day, runId);
        await using var writing = await Store.BeginSetAsync("nightly", Day.AddDays(1), RunId.New(), CancellationToken.None);
        var sets = await StoreTestSupport.ListAsync(Store);
        var complete = sets.Single(s => s.State == BackupSetState.Complete);
        var incomplete = sets.Single(s => s.State == BackupSetState.Incomplete);

        await Store.UpdateManifestAsync(complete, complete.Manifest! with { Host = "updated" }, CancellationToken.None);
        var update = () => Store.UpdateManifestAsync(incomplete, complete.Manifest! with { RunId = incomplete.RunId }, CancellationToken.None);

        await update.Should().ThrowAsync<InvalidOperationException>().WithMessage("*has no manifest.json*");
        (await StoreTestSupport.ListAsync(Store)).Single(s => s.State == BackupSetState.Complete).Manifest!.Host.Should().Be("updated");
    }

    [Fact]
    public async Task CommitAsync_HashThatIsNotSha256_IsRefusedAndTheArtifactNeverAppears()
    {
        await using var writer = await Store.BeginSetAsync("nightly", Day, RunId.New(), CancellationToken.None);
        var artifact = await writer.CreateArtifactAsync("a.tar.gz", CancellationToken.None);
        await artifact.Stream.WriteAsync(StoreTestSupport.Content(10, 9));

        var commit = () => artifact.CommitAsync("not-a-hash", CancellationToken.None);

        await commit.Should().ThrowAsync<ArgumentException>();
        await artifact.DisposeAsync();
        (await Names(new SetAddress("nightly", writer.DirectoryName))).Should().BeEmpty();
    }

    /// <summary>The storage under test, empty.</summary>
    private protected abstract IObjectStore CreateObjects();

    private static async Task<string> ReadTextAsync(Stream stream)
    {
        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        }
    }

    private async Task<List<string>> Names(SetAddress set) =>
        [.. (await Objects.ListObjectsAsync(set, CancellationToken.None)).Select(o => o.Name).Order(StringComparer.Ordinal)];
}
