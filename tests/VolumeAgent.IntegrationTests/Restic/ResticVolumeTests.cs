using System.Text.Json;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Restore;
using VolumeAgent.IntegrationTests.S3;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restic;

/// <summary>
/// A volume on a job that writes to a restic storage and a local one: restic backs the volume up file by file in its
/// own helper (the job's previous snapshot of it as parent, excludes as restic excludes, its summary in the manifest)
/// while the local storage gets the tar; verify, a drill against the snapshot's own listing and restores (into a new
/// volume; into the non-empty original only with --force, after a safety copy) read the snapshot back.
/// </summary>
[Collection(DockerTests.Restic)]
public sealed class ResticVolumeTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(8);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ResticVolumeTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task AVolume_IsBackedUpByResticFileByFile_AgainstItsLastSnapshot_BesideATarForTheLocalStorage_AndReadsBack()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var volume = await docker.CreateVolumeAsync("restic-tree", ct);
        await docker.ShellAsync(volume, VolumeRestoreTests.FillScript + "\nmkdir -p /data/cache; echo drop > /data/cache/x; echo drop > /data/deep/skip.tmp\n", ct);
        var job = workspace.Job("restic-tree");
        workspace.WriteWholeConfig($"""
            helper_image: {TestImages.Helper}
            state_dir: {workspace.StateDir}
            storage:
            {repository.StorageYaml("vault")}  local: {"{"} type: local, path: {workspace.StorePath} {"}"}
            jobs:
              {job}:
                storage: [vault, local]
                compression: none
                sources:
                  - volume: {volume}
                    exclude: [cache, "*.tmp"]

            """);

        var first = await workspace.RunAsync(ct, "run-now", job);

        first.ExitCode.Should().Be(0, first.ToString());
        var trees = (await repository.SnapshotsAsync(ct)).Where(s => s.Tags.Contains("source=volume:" + volume)).ToList();
        trees.Should().ContainSingle().Which.Path.Should().Be("/data", "restic backed the mounted tree up itself");
        var setName = trees[0].Tags.Single(t => t.StartsWith("set=", StringComparison.Ordinal))[4..];
        var firstTree = await TreeArtifactAsync(repository, job, setName, ct);
        firstTree.GetProperty("format").GetString().Should().Be("file_tree");
        var snapshot = firstTree.GetProperty("snapshot");
        snapshot.GetProperty("storage").GetString().Should().Be("vault");
        snapshot.GetProperty("id").GetString().Should().Be(trees[0].Id);
        snapshot.TryGetProperty("parent", out _).Should().BeFalse("the first run has no earlier snapshot");
        var files = snapshot.GetProperty("files_new").GetInt64();
        var regular = await docker.ShellAsync(volume, "find /data -type f ! -path '/data/cache/*' ! -name '*.tmp' | wc -l", ct);
        files.Should().Be(long.Parse(regular.Trim(), System.Globalization.CultureInfo.InvariantCulture), "every regular file but the excluded ones is new");
        var listing = await repository.RunAsync(ct, "ls", trees[0].Id);
        listing.Should().Contain("/data/deep/er/est/owned").And.NotContain("/data/cache").And.NotContain("skip.tmp");
        var localSet = workspace.SetDirectories(job).Should().ContainSingle().Subject;
        File.Exists(Path.Combine(localSet, $"volume-{volume}.tar")).Should().BeTrue("the local storage gets the volume as a tar, read a second time");
        File.ReadAllText(Path.Combine(localSet, "manifest.json")).Should().Contain("\"file_tree\"").And.Contain("\"tar\"");

        var second = await workspace.RunAsync(ct, "run-now", job);

        second.ExitCode.Should().Be(0, second.ToString());
        var secondSet = (await repository.SnapshotsAsync(ct)).Where(s => s.Tags.Contains("source=volume:" + volume) && s.Id != trees[0].Id).Should().ContainSingle().Subject;
        var secondTree = (await TreeArtifactAsync(repository, job, secondSet.Tags.Single(t => t.StartsWith("set=", StringComparison.Ordinal))[4..], ct)).GetProperty("snapshot");
        secondTree.GetProperty("parent").GetString().Should().Be(trees[0].Id, "the job's previous snapshot of the volume is the parent");
        secondTree.GetProperty("files_new").GetInt64().Should().Be(0);
        secondTree.GetProperty("files_changed").GetInt64().Should().Be(0);
        secondTree.GetProperty("files_unmodified").GetInt64().Should().Be(files, "restic skipped every unchanged file by its metadata");

        var verify = await workspace.RunAsync(ct, "verify", "--latest", job);
        verify.ExitCode.Should().Be(0, verify.ToString());
        verify.Stdout.Should().Contain("is in the repository").And.Contain("tree digest matches");
        var drill = await workspace.RunAsync(ct, "verify", "--latest", job, "--drill", "--storage", "vault");
        drill.ExitCode.Should().Be(0, drill.ToString());
        drill.Stdout.Should().Contain("identical to the snapshot's own list");

        await docker.ShellAsync(volume, "rm -rf /data/cache /data/deep/skip.tmp", ct);
        var expected = await docker.TreeAsync(volume, ct);
        var target = docker.UniqueName("restic-tree-restored");
        try
        {
            var restore = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--storage", "vault", "--to-volume", target, "--yes");
            restore.ExitCode.Should().Be(0, restore.ToString());
            (await docker.TreeAsync(target, ct)).Should().Be(expected, "restic restore gives the tree back, owners, modes, links and contents");
        }
        finally
        {
            await DockerCli.RunAsync(CancellationToken.None, "volume", "rm", "-f", target);
        }

        await docker.ShellAsync(volume, "echo changed > /data/a-new-file", ct);
        var refused = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--storage", "vault", "--yes");
        refused.ExitCode.Should().NotBe(0, refused.ToString());
        refused.Output.Should().Contain("is not empty").And.Contain("--force");
        (await docker.ShellAsync(volume, "cat /data/a-new-file", ct)).Should().Be("changed\n", "a refused restore touches nothing");

        var forced = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--storage", "vault", "--force", "--yes");
        forced.ExitCode.Should().Be(0, forced.ToString());
        (await docker.TreeAsync(volume, ct)).Should().Be(expected, "--force replaced the volume's content with the snapshot's");
        (await repository.SnapshotsAsync(ct)).Should().Contain(s => s.Tags.Contains("source=volume:" + volume) && s.Id != trees[0].Id && s.Id != secondSet.Id, "the safety copy went to the job's first storage, as a snapshot of its own");
        (first.Output + second.Output + verify.Output + drill.Output + forced.Output).Should().NotContain(repository.Password);
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    /// <summary>The manifest's <c>file_tree</c> artifact of the set, read from the repository with the host's restic.</summary>
    private static async Task<JsonElement> TreeArtifactAsync(ResticRepository repository, string job, string set, CancellationToken ct)
    {
        using var manifest = JsonDocument.Parse(await repository.DumpSetFileAsync(job, set, "manifest.json", ct));
        return manifest.RootElement.GetProperty("artifacts").EnumerateArray().Single(a => a.GetProperty("format").GetString() == "file_tree").Clone();
    }
}
