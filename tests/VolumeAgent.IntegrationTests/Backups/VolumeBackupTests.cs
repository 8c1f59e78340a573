using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// `volume-agent run-now` on a real volume, restored the way a person would: plain GNU tar on the host, as root,
/// keeping numeric owners and modes; the restored tree must equal the volume entry by entry.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class VolumeBackupTests : IClassFixture<FilledVolumeFixture>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly FilledVolumeFixture _volume;
    private readonly ITestOutputHelper _output;

    public VolumeBackupTests(DockerFixture docker, FilledVolumeFixture volume, ITestOutputHelper output)
    {
        _docker = docker;
        _volume = volume;
        _output = output;
    }

    [Fact]
    public async Task RunNow_VolumeWithLinksOwnersOddNamesAndLargeFile_HostTarRestoresAnIdenticalTree()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var job = workspace.Job("tree");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - volume: {_volume.Volume}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Stdout.Should().Contain($"job {job}: succeeded");
        var set = await SingleSetAsync(workspace, job, cts.Token);
        await set.VerifyAsync(job, "succeeded", cts.Token);
        var file = $"volume-{_volume.Volume}.tar.gz";
        var artifact = set.Artifact(file);
        artifact.SourceKind.Should().Be("volume");
        artifact.SourceName.Should().Be(_volume.Volume);
        artifact.Format.Should().Be("tar");
        artifact.Compression.Should().Be("gzip");
        artifact.RawBytes.Should().BeGreaterThan(100L * 1024 * 1024, "the volume holds 100 MiB of random bytes");
        artifact.Entries.Should().Be(_volume.Listing.Count, "the manifest counts every entry of the volume, its root included");
        artifact.TreeDigest.Should().MatchRegex("^sha256:[0-9a-f]{64}$");

        var restored = await ExtractAsync(workspace, set.FilePath(file), cts.Token);

        ExpectTheTreeToBeRich(_volume.Listing);
        TreeListing.Differences(_volume.Listing, restored).Should().BeEmpty("host tar must restore the volume exactly");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_ExcludeCacheContents_CacheFilesAbsentAndEverythingElseIdentical()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var job = workspace.Job("exclude");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - volume: {_volume.Volume}
                    exclude: ["cache/*"]
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(0, result.ToString());
        var set = await SingleSetAsync(workspace, job, cts.Token);
        await set.VerifyAsync(job, "succeeded", cts.Token);
        var file = $"volume-{_volume.Volume}.tar.gz";
        var restored = await ExtractAsync(workspace, set.FilePath(file), cts.Token);

        var excluded = _volume.Listing.Keys.Where(p => p.StartsWith("./cache/", StringComparison.Ordinal)).ToList();
        excluded.Should().BeEquivalentTo(["./cache/c1", "./cache/sub", "./cache/sub/c2"], "the volume has files to exclude");
        var expected = _volume.Listing.Where(p => !excluded.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        expected.Should().ContainKey("./cache", "'cache/*' excludes what is in the folder, not the folder");
        TreeListing.Differences(expected, restored).Should().BeEmpty("only the cache's contents are left out");
        set.Artifact(file).Entries.Should().Be(expected.Count);
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    /// <summary>The comparison proves something only if the volume really holds each kind of entry.</summary>
    private static void ExpectTheTreeToBeRich(IReadOnlyDictionary<string, TreeEntry> listing)
    {
        listing.Should().Contain("./empty", new TreeEntry("d", "755", "0", "0", string.Empty, null));
        listing.Should().Contain("./relative-link", new TreeEntry("l", "777", "0", "0", "dir one/nested", null));
        listing.Should().Contain("./absolute-link", new TreeEntry("l", "777", "0", "0", "/etc/hostname", null));
        listing["./owned-999"].Should().Match<TreeEntry>(e => e.Type == "f" && e.Mode == "640" && e.Uid == "999" && e.Gid == "999");
        listing["./private/root-0600"].Should().Match<TreeEntry>(e => e.Type == "f" && e.Mode == "600" && e.Uid == "0");
        listing["./private"].Should().Match<TreeEntry>(e => e.Mode == "750" && e.Uid == "999" && e.Gid == "998");
        listing.Should().ContainKeys("./é/日本語/名前 with space.txt", "./dir one/nested/deeper/file.txt", "./empty-file");
        listing["./" + FilledVolumeFixture.LargeFile].Sha256.Should().NotBeNull();
    }

    private static async Task<BackupSet> SingleSetAsync(AgentWorkspace workspace, string job, CancellationToken cancellationToken)
    {
        var sets = workspace.SetDirectories(job);
        sets.Should().ContainSingle($"one run of {job} makes one set");
        return await BackupSet.ReadAsync(sets[0], cancellationToken);
    }

    /// <summary>`tar -xzf` as root with numeric owners and modes kept, as a person restores; returns the tree's listing.</summary>
    private static async Task<IReadOnlyDictionary<string, TreeEntry>> ExtractAsync(AgentWorkspace workspace, string archive, CancellationToken cancellationToken)
    {
        var target = Directory.CreateDirectory(Path.Combine(workspace.Root, "restored")).FullName;
        await HostProcess.RunCheckedAsync("tar", ["-xzf", archive, "-C", target, "--numeric-owner", "--same-owner", "-p"], cancellationToken);
        return await TreeListing.OfHostDirectoryAsync(target, cancellationToken);
    }
}
