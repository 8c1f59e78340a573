using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Retention;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Manifest.Sets;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Runs;

public sealed class RetentionPrunerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Prune_NothingToDelete_LeavesLatestAlone_AndListsOnce()
    {
        var (memory, objects, store, sets) = await StoreWithSetsAsync(2);

        var decisions = await PruneAsync(store, keepLast: 2);

        decisions.Should().OnlyContain(d => d.Keep);
        objects.Calls.Should().NotContain("point latest", "deleting nothing cannot move latest");
        objects.SetListings.Should().Be(1, "the plan's listing is the only one");
        memory.Latest["job"].Should().Be(sets[^1], "latest stays where the last run pointed it");
    }

    [Fact]
    public async Task Prune_DeletesASet_ThenPointsLatestAtTheNewestThatIsLeft()
    {
        var (memory, objects, store, sets) = await StoreWithSetsAsync(3);
        await memory.PointLatestAsync("job", sets[0], CancellationToken.None);

        var decisions = await PruneAsync(store, keepLast: 1);

        decisions.Where(d => !d.Keep).Select(d => d.Set.Id).Should().BeEquivalentTo(sets[..2]);
        objects.Calls.Should().EndWith(["delete manifest.json", "delete set", "point latest"]);
        objects.SetListings.Should().Be(2, "after a deletion the storage is listed again to find the newest set");
        memory.Latest["job"].Should().Be(sets[^1], "latest named a set that is gone");
    }

    [Fact]
    public async Task Prune_SafetyCopies_AreNotCountedByTheJobsRules_AndKeptThirtyDaysAndTheNewestThree()
    {
        var (memory, _, store, backups) = await StoreWithSetsAsync(2);
        var setup = new SetStore(memory);
        var now = Start.AddDays(1);
        // The newest copy is newer than both backups.
        var ages = new[] { 50, 45, 40, 35, 31, 0.5 };
        var copies = new List<string>();
        foreach (var days in ages)
        {
            copies.Add(await StoreTestSupport.CompleteSetAsync(
                setup, "job", now.AddDays(-days), RunId.New(), ManifestTrigger.PreRestore, ("volume-data.tar", StoreTestSupport.Content(10, (int)days))));
        }

        var decisions = await PruneAsync(store, keepLast: 2);

        decisions.Where(d => !d.Keep).Select(d => d.Set.Id).Should().BeEquivalentTo(
            copies[..3], "keep_last 2 keeps both backups whatever the copies; of the copies the newest three (35, 31 and half a day old) stay");
        decisions.Where(d => d.Keep).Select(d => d.Set.Id).Should().Contain(backups).And.Contain(copies[3..]);
        memory.Latest["job"].Should().Be(backups[^1], "a safety copy is never latest, even the newest set");
    }

    [Theory]
    [InlineData("Complete", "Succeeded", "Succeeded")]
    [InlineData("Complete", "Failed", "Failed")]
    [InlineData("Incomplete", null, "Incomplete")]
    [InlineData("Corrupt", null, "Incomplete")]
    public void ToCandidate_SetStateAndStatus_MapToTheRetentionState(string state, string? status, string expected)
    {
        var manifest = status is null ? null : new BackupManifest
        {
            FormatVersion = 1,
            Job = "j",
            RunId = RunId.Parse("0000000a"),
            Trigger = ManifestTrigger.Manual,
            Status = Enum.Parse<ManifestStatus>(status),
            StartedAt = DateTimeOffset.UnixEpoch,
            FinishedAt = DateTimeOffset.UnixEpoch,
            AgentVersion = "0",
            Artifacts = [],
        };
        var set = new BackupSetInfo
        {
            Job = "j",
            DirectoryName = "19700101T000000Z-0000000a",
            RunId = RunId.Parse("0000000a"),
            StartedAt = DateTimeOffset.UnixEpoch,
            State = Enum.Parse<BackupSetState>(state),
            Manifest = manifest,
            TotalStoredBytes = 0,
            ArtifactCount = 0,
        };

        var candidate = RetentionPruner.ToCandidate(set);

        candidate.State.Should().Be(Enum.Parse<RetentionSetState>(expected));
        candidate.Id.Should().Be("19700101T000000Z-0000000a");
    }

    [Fact]
    public void ToRules_NoRetention_KeepsEverything()
    {
        RetentionPruner.ToRules(null).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void ToRules_EveryOption_IsCarriedOver()
    {
        var rules = RetentionPruner.ToRules(new RetentionOptions
        {
            KeepLast = 1, KeepHourly = 2, KeepDaily = 3, KeepWeekly = 4, KeepMonthly = 5, KeepYearly = 6, KeepWithin = TimeSpan.FromDays(7),
        });

        rules.Should().Be(new RetentionRules(1, 2, 3, 4, 5, 6, TimeSpan.FromDays(7)));
    }

    private static Task<IReadOnlyList<RetentionDecision>> PruneAsync(IBackupStore store, int keepLast) => RetentionPruner.PruneAsync(
        store, "job", new RetentionOptions { KeepLast = keepLast }, TimeZoneInfo.Utc, Start.AddDays(1), dryRun: false, Serilog.Core.Logger.None, CancellationToken.None);

    /// <summary>An in-memory storage with <paramref name="count"/> complete sets an hour apart, latest at the newest; the calls recorded from then on.</summary>
    private static async Task<(InMemoryObjectStore Memory, RecordingObjectStore Objects, SetStore Store, string[] Sets)> StoreWithSetsAsync(int count)
    {
        var memory = new InMemoryObjectStore();
        var setup = new SetStore(memory);
        var sets = new string[count];
        for (var i = 0; i < count; i++)
        {
            sets[i] = await StoreTestSupport.CompleteSetAsync(setup, "job", Start.AddHours(i), RunId.New(), ("a.tar", StoreTestSupport.Content(10, i)));
        }

        await setup.PointLatestAsync("job", sets[^1], CancellationToken.None);
        var objects = new RecordingObjectStore(memory);
        return (memory, objects, new SetStore(objects), sets);
    }
}
