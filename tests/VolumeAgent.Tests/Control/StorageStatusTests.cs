using Microsoft.Extensions.Time.Testing;
using VolumeAgent.Control.Status;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Control;

/// <summary>status without a daemon: the newest set of each job in its storages, the next run from its schedule.</summary>
public sealed class StorageStatusTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task ReadAsync_SetsInStorage_ReportsTheNewestSetAndTheNextRun()
    {
        var policy = PolicyLoader.Load(
            $$"""
            timezone: Europe/Berlin
            storage:
              local: { type: local, path: {{_root.Path}} }
            jobs:
              nightly:
                schedule: "0 2 * * *"
                storage: [local]
                sources: [{ volume: data }]
              adhoc:
                storage: [local]
                sources: [{ volume: data }]
            """,
            "backup.yml",
            FakePolicyEnvironment.Empty());
        var stores = AgentSession.OpenStores(policy);
        var store = (SetStore)stores["local"];
        var older = new DateTimeOffset(2026, 3, 27, 1, 0, 0, TimeSpan.Zero);
        var newer = older.AddDays(1);
        await StoreTestSupport.WriteCompleteSetAsync(store, "nightly", older, RunId.Parse("00000001"), ("a.tar.gz", StoreTestSupport.Content(10, 1)));
        await StoreTestSupport.WriteCompleteSetAsync(store, "nightly", newer, RunId.Parse("00000002"), ("a.tar.gz", StoreTestSupport.Content(20, 2)));
        var now = new FakeTimeProvider(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero));

        var status = await StorageStatus.ReadAsync(policy, stores, now, CancellationToken.None);

        status.DaemonRunning.Should().BeFalse();
        status.Jobs.Select(j => j.Job).Should().Equal("nightly", "adhoc");
        var nightly = status.Jobs[0];
        nightly.LastRun!.RunId.Should().Be("00000002");
        nightly.LastRun.Status.Should().Be(RunRecord.Succeeded);
        nightly.NextRun.Should().Be(
            new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero),
            "02:00 falls in Berlin's spring-forward gap that night, so the run is at the gap's end, 03:00 CEST");
        status.Jobs[1].LastRun.Should().BeNull();
        status.Jobs[1].NextRun.Should().BeNull();
    }
}
