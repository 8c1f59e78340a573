using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Runs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Local;
using VolumeAgent.Tests.Fakes;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Runs;

/// <summary>
/// A storage that hangs mid-upload (every operation on it then waits for ever, as on a hung SSH connection): the stall
/// timeout ends the artifact and the storage is given up for the rest of the run, so no later operation of the run waits
/// on it; the next source's artifact fails at once naming the storage and the stall, and the other storage gets the set.
/// </summary>
public sealed class StalledStorageRunTests : IAsyncDisposable
{
    /// <summary>Far above what the run needs (two 1-second stalls at most); a run that waits on the hung storage never ends.</summary>
    private static readonly TimeSpan RunBound = TimeSpan.FromSeconds(30);
    private readonly FakeDockerEngine _engine = new();
    private readonly TempDirectory _directory = new();
    private readonly LogCapture _log = new();
    private readonly FailingObjectStore _offsite;

    public StalledStorageRunTests()
    {
        _engine.AddVolume("uploads", EngineTestSupport.Tar(("a.bin", new string('a', 200_000))));
        _engine.AddVolume("notes", EngineTestSupport.Tar(("n.txt", "n")));
        Directory.CreateDirectory(_directory.Combine("local"));
        Directory.CreateDirectory(_directory.Combine("offsite"));
        _offsite = new FailingObjectStore(new LocalDirectoryStore(_directory.Combine("offsite"))) { HangUploadsAfter = 1000 };
    }

    public async ValueTask DisposeAsync()
    {
        _offsite.Dispose();
        await _engine.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task OnlyStorageHangs_ItIsGivenUp_TheNextArtifactFailsAtOnceNamingIt_AndTheRunEnds()
    {
        var result = await RunAsync("[offsite]");

        result.Status.Should().Be(ManifestStatus.Failed);
        result.StalledStorages.Should().Equal("offsite");
        result.Artifacts.Should().HaveCount(2);
        result.Artifacts[0].Error.Should().Contain("storage 'offsite'").And.Contain("took no data for 1s");
        result.Artifacts[1].Error.Should().StartWith("No storage could take it: storage 'offsite'").And.Contain("took no data for 1s",
            "the stalled storage is not tried again: the next artifact fails at once, naming the storage and the stall");
        result.Error.Should().Contain("The storage 'offsite'").And.Contain("took no data for 1s");
        _offsite.CalledWhileHung.Should().Equal(["abort"], "only the removal of the partial file is started (and not waited for); no SHA256SUMS, manifest or latest is tried");
        _log.Messages(Serilog.Events.LogEventLevel.Warning).Should().Contain(m => m.Contains("stalled", StringComparison.Ordinal) && m.Contains("sweeps it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OneOfTwoStoragesHangs_TheOtherGetsTheSetWithTheNextArtifact()
    {
        var result = await RunAsync("[local, offsite]");

        result.Status.Should().Be(ManifestStatus.Failed);
        result.StalledStorages.Should().Equal("offsite");
        result.Artifacts[0].Status.Should().Be(ManifestStatus.Failed, "the stall ended the artifact for every storage");
        result.Artifacts[1].Status.Should().Be(ManifestStatus.Succeeded, "the next artifact goes to the storage that answers");
        result.Error.Should().Contain("The set is on local");
        var sets = new List<BackupSetInfo>();
        await foreach (var set in new SetStore(new LocalDirectoryStore(_directory.Combine("local"))).ListSetsAsync("nightly", CancellationToken.None))
        {
            sets.Add(set);
        }

        var local = sets.Should().ContainSingle().Subject;
        local.State.Should().Be(BackupSetState.Complete);
        local.Manifest!.Storages!.Single(s => s.Name == "offsite").Error.Should().Contain("took no data for 1s");
        _offsite.CalledWhileHung.Should().Equal(["abort"]);
    }

    private async Task<RunResult> RunAsync(string storages)
    {
        var policy = PolicyTestHelpers.Load(
            $"state_dir: {_directory.Combine("state")}\nhelper_image: {EngineTestSupport.HelperImage}\n"
            + $"storage:\n  local: {{ type: local, path: {_directory.Combine("local")} }}\n  offsite: {{ type: local, path: {_directory.Combine("offsite")} }}\n"
            + $"jobs:\n  nightly:\n    storage: {storages}\n    compression: none\n    stall_timeout: 1s\n    sources:\n      - volume: uploads\n      - volume: notes\n");
        var stores = new Dictionary<string, IBackupStore>(AgentSession.OpenStores(policy), StringComparer.Ordinal) { ["offsite"] = new SetStore(_offsite) };
        using var instance = AgentInstance.Acquire(policy.StateDir);
        var runner = new JobRunner(_engine, policy, stores, instance, new ContainerResolver(_engine, null), TimeProvider.System, _log.Logger);
        try
        {
            return await runner.RunAsync(policy.Jobs[0], ManifestTrigger.Manual, progress: null, CancellationToken.None).WaitAsync(RunBound);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"The run did not end within {RunBound}; the hung storage was called for: {string.Join(", ", _offsite.CalledWhileHung)}; the log: "
                + string.Join(Environment.NewLine, _log.Events.Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture))),
                ex);
        }
    }
}
