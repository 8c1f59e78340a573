using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Runs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Local;
using VolumeAgent.Storage.Sync;
using VolumeAgent.Tests.Fakes;
using VolumeAgent.Tests.Manifest.Sets;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Runs;

/// <summary>
/// A job with two storages, one of which fails (down at the start, or breaking mid-upload): the other still gets a
/// complete set, the run fails naming the storage that did not, the manifest says which storages hold the set, and
/// <see cref="SetSync"/> later copies it there, checked against SHA256SUMS, with <c>latest</c> pointing at it.
/// </summary>
public sealed class MultiStorageRunTests : IAsyncDisposable
{
    private readonly FakeDockerEngine _engine = new();
    private readonly TempDirectory _directory = new();
    private readonly LogCapture _log = new();
    private readonly FailingObjectStore _offsite;
    private readonly VolumeAgent.Policy.BackupPolicy _policy;
    private readonly Dictionary<string, IBackupStore> _stores;

    public MultiStorageRunTests()
    {
        _engine.AddVolume("uploads", EngineTestSupport.Tar(("a.bin", new string('a', 5000)), ("b.txt", "b")));
        Directory.CreateDirectory(_directory.Combine("local"));
        Directory.CreateDirectory(_directory.Combine("offsite"));
        _policy = PolicyTestHelpers.Load(
            $"state_dir: {_directory.Combine("state")}\nhelper_image: {EngineTestSupport.HelperImage}\n"
            + $"storage:\n  local: {{ type: local, path: {_directory.Combine("local")} }}\n  offsite: {{ type: local, path: {_directory.Combine("offsite")} }}\n"
            + "jobs:\n  nightly:\n    storage: [local, offsite]\n    compression: none\n    sources:\n      - volume: uploads\n");
        _offsite = new FailingObjectStore(new LocalDirectoryStore(_directory.Combine("offsite")));
        _stores = new Dictionary<string, IBackupStore>(AgentSession.OpenStores(_policy), StringComparer.Ordinal) { ["offsite"] = new SetStore(_offsite) };
    }

    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync();
        _offsite.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Run_OneStorageBreaksMidUpload_TheOtherGetsACompleteSet_TheRunFailsNamingIt()
    {
        _offsite.BreakUploadsAfter = 100;

        var result = await RunAsync();

        result.Status.Should().Be(ManifestStatus.Failed);
        result.Error.Should().Contain("storage 'offsite'").And.Contain("Connection reset by peer")
            .And.Contain("The set is on local").And.Contain("volume-agent sync nightly --to offsite");
        result.Artifacts.Should().ContainSingle().Which.Status.Should().Be(ManifestStatus.Succeeded, "the artifact is stored in local");
        var local = await SingleSetAsync("local");
        local.State.Should().Be(BackupSetState.Complete);
        local.Manifest!.Status.Should().Be(ManifestStatus.Succeeded, "a storage that failed fails the run, not the set where it is complete");
        local.Manifest.Storages!.Select(s => (s.Name, s.Status)).Should().Equal(("local", ManifestStatus.Succeeded), ("offsite", ManifestStatus.Failed));
        local.Manifest.Storages![1].Error.Should().Contain("Connection reset by peer");
        var offsite = await SingleSetAsync("offsite");
        offsite.State.Should().Be(BackupSetState.Incomplete, "the storage given up gets no manifest");
        Directory.EnumerateFiles(_directory.Combine("offsite", "nightly", offsite.DirectoryName)).Should().BeEmpty("the broken upload is removed");
        _log.Messages(Serilog.Events.LogEventLevel.Warning).Should().BeEmpty();
        LatestOf("local").Should().Be(local.DirectoryName);
        LatestOf("offsite").Should().BeNull();
        _log.Messages(Serilog.Events.LogEventLevel.Error).Should().Contain(m => m.Contains("storage 'offsite'", StringComparison.Ordinal) && m.Contains("takes no more of this run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_OneStorageDownAtTheStart_TheRunGoesOnToTheOther()
    {
        _offsite.Down = true;

        var result = await RunAsync();

        result.Status.Should().Be(ManifestStatus.Failed);
        result.Error.Should().Contain("storage 'offsite'").And.Contain("connection refused");
        (await SingleSetAsync("local")).State.Should().Be(BackupSetState.Complete);
        _engine.Calls.Should().Contain(c => c.StartsWith("archive volume uploads", StringComparison.Ordinal), "the source is read once, for the storage that works");
    }

    [Fact]
    public async Task Run_EveryStorageDown_DoesNotStart()
    {
        _offsite.Down = true;
        Directory.Delete(_directory.Combine("local"));

        var result = await RunAsync();

        result.Status.Should().Be(ManifestStatus.Failed);
        result.Error.Should().Contain("Storage 'local'").And.Contain("Storage 'offsite'");
        _engine.Calls.Should().NotContain(c => c.StartsWith("archive", StringComparison.Ordinal), "nothing is touched when no storage can take the set");
    }

    [Fact]
    public async Task Run_PointsLatestAtTheSetItCompleted_WithoutListingTheStoragesAgain()
    {
        var local = new RecordingObjectStore(new LocalDirectoryStore(_directory.Combine("local")));
        var offsite = new RecordingObjectStore(_offsite);
        _stores["local"] = new SetStore(local);
        _stores["offsite"] = new SetStore(offsite);

        var result = await RunAsync();

        result.Status.Should().Be(ManifestStatus.Succeeded, result.Error);
        LatestOf("local").Should().Be(result.SetName);
        LatestOf("offsite").Should().Be(result.SetName);
        local.SetListings.Should().Be(1, "the sweep of partial files at the start lists the job's sets, and nothing after it: latest is pointed at the new set directly");
        offsite.SetListings.Should().Be(1);
        local.Calls.Should().EndWith(["put SHA256SUMS", "put manifest.json", "point latest"]);
    }

    [Fact]
    public async Task Sync_AfterTheStorageIsBack_CopiesTheSetCheckedAndPointsLatest()
    {
        _offsite.BreakUploadsAfter = 100;
        await RunAsync();
        _offsite.BreakUploadsAfter = null;

        var copies = await SyncAsync();

        copies.Should().ContainSingle().Which.Should().Match<SyncCopy>(c => c.Succeeded && c.From == "local" && c.To == "offsite" && c.Bytes > 5000);
        var local = await SingleSetAsync("local");
        var offsite = await SingleSetAsync("offsite");
        offsite.State.Should().Be(BackupSetState.Complete);
        offsite.DirectoryName.Should().Be(local.DirectoryName);
        offsite.Manifest!.Artifacts.Should().BeEquivalentTo(local.Manifest!.Artifacts);
        offsite.Manifest.Storages!.Single(s => s.Name == "offsite").Should().Match<ManifestStorage>(s => s.Status == ManifestStatus.Succeeded && s.SyncedAt != null);
        File.ReadAllBytes(_directory.Combine("offsite", "nightly", offsite.DirectoryName, BackupSetLayout.ChecksumsFileName))
            .Should().Equal(File.ReadAllBytes(_directory.Combine("local", "nightly", local.DirectoryName, BackupSetLayout.ChecksumsFileName)));
        LatestOf("offsite").Should().Be(offsite.DirectoryName);
        (await SyncAsync()).Should().BeEmpty("every storage holds the set now");
    }

    [Fact]
    public async Task Sync_SourceFileNotMatchingItsChecksum_IsNotCopied()
    {
        _offsite.BreakUploadsAfter = 100;
        await RunAsync();
        _offsite.BreakUploadsAfter = null;
        var local = await SingleSetAsync("local");
        var artifact = _directory.Combine("local", "nightly", local.DirectoryName, local.Manifest!.Artifacts[0].File!);
        var bytes = File.ReadAllBytes(artifact);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(artifact, bytes);

        var copies = await SyncAsync();

        copies.Should().ContainSingle().Which.Error.Should().Contain("does not match its SHA256SUMS").And.Contain("volume-agent verify nightly");
        (await SingleSetAsync("offsite")).State.Should().NotBe(BackupSetState.Complete);
    }

    private async Task<RunResult> RunAsync()
    {
        using var instance = AgentInstance.Acquire(_policy.StateDir);
        var runner = new JobRunner(_engine, _policy, _stores, instance, new ContainerResolver(_engine, null), TimeProvider.System, _log.Logger);
        return await runner.RunAsync(_policy.Jobs[0], ManifestTrigger.Manual, progress: null, CancellationToken.None);
    }

    private Task<IReadOnlyList<SyncCopy>> SyncAsync() => SetSync.SyncJobAsync(
        _policy.Jobs[0], _stores, from: null, to: null, TimeProvider.System, _log.Logger, storage => _stores[storage].RefreshLatestAsync("nightly", CancellationToken.None), CancellationToken.None);

    private async Task<BackupSetInfo> SingleSetAsync(string storage)
    {
        var sets = new List<BackupSetInfo>();
        await foreach (var set in _stores[storage].ListSetsAsync("nightly", CancellationToken.None))
        {
            sets.Add(set);
        }

        return sets.Should().ContainSingle().Subject;
    }

    private string? LatestOf(string storage) => new FileInfo(_directory.Combine(storage, "nightly", BackupSetLayout.LatestName)).LinkTarget;
}
