using VolumeAgent.Control.Status;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Presentation;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Manifest.Sets;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Swarm;

/// <summary>
/// Sets of Swarm nodes in one shared storage: each node's agent writes under <c>&lt;job&gt;@&lt;node&gt;</c>, lists every
/// node's sets with their node, and keeps (latest, retention, sweep) only its own; a single host writes under
/// <c>&lt;job&gt;</c> as before.
/// </summary>
public sealed class NodeSetLayoutTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
    private readonly InMemoryObjectStore _objects = new();

    [Fact]
    public async Task TwoNodesAndASingleHost_ShareAStorage_EachWritesItsOwnDirectory_ListingShowsEverySetWithItsNode()
    {
        var a = new SetStore(_objects, "node-a");
        var b = new SetStore(_objects, "node-b");
        var single = new SetStore(_objects);

        var fromA = await StoreTestSupport.CompleteSetAsync(a, "nightly", Day, RunId.Parse("0000000a"));
        var fromB = await StoreTestSupport.CompleteSetAsync(b, "nightly", Day.AddMinutes(1), RunId.Parse("0000000b"));
        var fromHost = await StoreTestSupport.CompleteSetAsync(single, "nightly", Day.AddMinutes(2), RunId.Parse("0000000c"));

        (await _objects.ListSetsAsync("nightly@node-a", CancellationToken.None).ToListAsync()).Should().Equal(fromA);
        (await _objects.ListSetsAsync("nightly@node-b", CancellationToken.None).ToListAsync()).Should().Equal(fromB);
        (await _objects.ListSetsAsync("nightly", CancellationToken.None).ToListAsync()).Should().Equal(fromHost);
        foreach (var store in new[] { a, b, single })
        {
            var sets = await StoreTestSupport.ListAsync(store, "nightly");
            sets.Select(s => (s.Job, s.Node, s.DirectoryName, s.State)).Should().Equal(
                ("nightly", "node-a", fromA, BackupSetState.Complete),
                ("nightly", "node-b", fromB, BackupSetState.Complete),
                ("nightly", (string?)null, fromHost, BackupSetState.Complete));
            (await StoreTestSupport.ListAsync(store)).Should().HaveCount(3, "listing every job finds the node directories too");
        }

        var listed = (await StoreTestSupport.ListAsync(single, "nightly"))[0];
        listed.Manifest!.Node.Should().Be("node-a", "the manifest records the node that wrote it");
        (await StoreTestSupport.ListAsync(single, "nightly"))[2].Manifest!.Node.Should().BeNull();

        await a.RefreshLatestAsync("nightly", CancellationToken.None);
        await single.RefreshLatestAsync("nightly", CancellationToken.None);
        _objects.Latest.Should().BeEquivalentTo(
            new Dictionary<string, string> { ["nightly@node-a"] = fromA, ["nightly"] = fromHost },
            "each points its own latest, never at a newer set of another node");
    }

    [Fact]
    public async Task AnotherNodesSet_IsReadAndUpdatedWhereItIs()
    {
        var a = new SetStore(_objects, "node-a");
        var b = new SetStore(_objects, "node-b");
        await StoreTestSupport.CompleteSetAsync(a, "nightly", Day, RunId.Parse("0000000a"), ("volume-data.tar.gz", StoreTestSupport.Content(100, 1)));

        var set = (await StoreTestSupport.ListAsync(b, "nightly")).Should().ContainSingle().Subject;
        await using (var stream = await b.OpenArtifactReadAsync(set, "volume-data.tar.gz", CancellationToken.None))
        {
            stream.Should().NotBeNull();
        }

        await b.UpdateManifestAsync(set, set.Manifest! with { Tag = "checked" }, CancellationToken.None);
        (await StoreTestSupport.ListAsync(a, "nightly")).Single().Manifest!.Tag.Should().Be("checked");
    }

    [Fact]
    public async Task Retention_OfOneNode_CountsAndDeletesOnlyItsOwnSets()
    {
        var a = new SetStore(_objects, "node-a");
        var b = new SetStore(_objects, "node-b");
        for (var i = 0; i < 3; i++)
        {
            await StoreTestSupport.CompleteSetAsync(a, "nightly", Day.AddDays(i), RunId.Parse($"a000000{i}"));
            await StoreTestSupport.CompleteSetAsync(b, "nightly", Day.AddDays(i).AddMinutes(1), RunId.Parse($"b000000{i}"));
        }

        var decisions = await RetentionPruner.PruneAsync(
            a, "nightly", new RetentionOptions { KeepLast = 1 }, TimeZoneInfo.Utc, Day.AddDays(3), dryRun: false, Serilog.Core.Logger.None, CancellationToken.None);

        decisions.Should().HaveCount(3, "node-b's sets are not node-a's to decide on");
        var left = await StoreTestSupport.ListAsync(a, "nightly");
        left.Count(s => s.Node == "node-a").Should().Be(1);
        left.Count(s => s.Node == "node-b").Should().Be(3);
        _objects.Latest.Should().BeEquivalentTo(new Dictionary<string, string> { ["nightly@node-a"] = left.Single(s => s.Node == "node-a").DirectoryName });
    }

    [Fact]
    public async Task List_ShowsANodeColumn_OnlyWhenANodeWroteASet()
    {
        var policy = PolicyTestHelpers.Load(PolicyTestHelpers.Minimal);
        var single = new SetStore(_objects);
        await StoreTestSupport.CompleteSetAsync(single, "nightly", Day, RunId.Parse("0000000c"));
        var before = new StringWriter();
        await SetListing.WriteAsync(policy, new Dictionary<string, IBackupStore> { ["local"] = single }, null, before, CancellationToken.None);

        var set = await StoreTestSupport.CompleteSetAsync(new SetStore(_objects, "node-a"), "nightly", Day.AddDays(1), RunId.Parse("0000000a"));
        var after = new StringWriter();
        await SetListing.WriteAsync(policy, new Dictionary<string, IBackupStore> { ["local"] = single }, "nightly", after, CancellationToken.None);

        before.ToString().Split('\n')[0].Should().NotContain("NODE", "a single host's listing is as before");
        var lines = after.ToString().Split('\n');
        lines[0].Should().MatchRegex(@"^STORAGE\s+JOB\s+NODE\s+SET\s");
        lines.Should().Contain(l => l.Contains("node-a", StringComparison.Ordinal) && l.Contains(set, StringComparison.Ordinal));
        (await SetList.ReadAsync(new Dictionary<string, IBackupStore> { ["local"] = single }, "nightly", CancellationToken.None)).Sets
            .Select(e => e.Node).Should().Equal(new string?[] { null, "node-a" });
    }

    [Fact]
    public async Task StatusWithoutADaemon_ShowsTheNewestSetOfEachNode()
    {
        var policy = PolicyTestHelpers.Load(PolicyTestHelpers.Minimal);
        await StoreTestSupport.CompleteSetAsync(new SetStore(_objects, "node-b"), "nightly", Day, RunId.Parse("0000000b"));
        await StoreTestSupport.CompleteSetAsync(new SetStore(_objects, "node-a"), "nightly", Day, RunId.Parse("0000000a"));
        var newestOfA = await StoreTestSupport.CompleteSetAsync(new SetStore(_objects, "node-a"), "nightly", Day.AddDays(1), RunId.Parse("000000aa"));

        var status = await StorageStatus.ReadAsync(policy, new Dictionary<string, IBackupStore> { ["local"] = new SetStore(_objects) }, TimeProvider.System, CancellationToken.None);

        status.Jobs.Select(j => j.Job).Should().Equal("nightly@node-a", "nightly@node-b");
        status.Jobs[0].LastRun!.StartedAt.Should().Be(Day.AddDays(1), $"the newest of node-a is {newestOfA}");
    }

    [Theory]
    [InlineData("nightly", "nightly", null)]
    [InlineData("nightly@worker-1", "nightly", "worker-1")]
    [InlineData("db.hourly@node.example.com", "db.hourly", "node.example.com")]
    public void StorageJobName_SplitsIntoJobAndNode(string name, string job, string? node)
    {
        BackupSetLayout.IsValidJobName(name).Should().BeTrue();
        BackupSetLayout.SplitStorageJobName(name).Should().Be((job, node));
        BackupSetLayout.StorageJobName(job, node).Should().Be(name);
    }

    [Theory]
    [InlineData("nightly@")]
    [InlineData("@node")]
    [InlineData("nightly@node@x")]
    [InlineData("nightly@../x")]
    public void StorageJobName_WithAnUnsafePart_IsInvalid(string name) =>
        BackupSetLayout.IsValidJobName(name).Should().BeFalse();

    [Theory]
    [InlineData("worker-1", "worker-1")]
    [InlineData("node 1/a", "node-1-a")]
    [InlineData("_x", "n_x")]
    public void ToNodeName_KeepsTheSetPathAlphabet(string hostname, string expected) =>
        BackupSetLayout.ToNodeName(hostname).Should().Be(expected);
}
