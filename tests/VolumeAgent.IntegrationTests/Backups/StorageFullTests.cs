using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Tests.Storage;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// A disk that fills up just when SHA256SUMS or manifest.json is written: the run reports it like any other
/// failure (the table, the "job FAILED" line naming storage, file and cause) and removes the set, which without
/// its manifest is no backup. The disk is a real tmpfs sized to the page so the artifact fits and the rest does not.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class StorageFullTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public StorageFullTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    /// <param name="failingFile">The file the disk has no room for.</param>
    /// <param name="pagesLeft">Pages free beyond the artifact's: none fails SHA256SUMS, one (SHA256SUMS fits) fails the manifest.</param>
    [Theory]
    [InlineData("SHA256SUMS", 0)]
    [InlineData("manifest.json", 1)]
    public async Task RunNow_DiskFullWritingChecksumsOrManifest_ReportsTheFailureAndRemovesTheSet(string failingFile, int pagesLeft)
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("full", cts.Token);
        await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", "head -c 150000 /dev/urandom > /data/file"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data" }] },
            },
            cts.Token);
        var job = workspace.Job("full");
        var jobs = $"""
            jobs:
              {job}:
                compression: none
                sources:
                  - volume: {volume}
            """;

        // The same volume uncompressed gives the same archive: one run on a roomy disk measures it.
        workspace.WriteConfig(jobs);
        var measured = await workspace.RunAsync(cts.Token, "run-now", job);
        measured.ExitCode.Should().Be(0, measured.ToString());
        var artifact = Directory.EnumerateFiles(workspace.SetDirectories(job).Should().ContainSingle().Subject)
            .Single(f => Path.GetFileName(f) is not (BackupSet.ManifestFile or BackupSet.ChecksumsFile));
        var page = Environment.SystemPageSize;
        var artifactPages = (new FileInfo(artifact).Length + page - 1) / page;

        // tmpfs counts whole pages of file data (directories take none): the artifact fits exactly, plus pagesLeft.
        using var mount = TmpfsMount.TryMount(Path.Combine(workspace.Root, "small"), $"size={(artifactPages + pagesLeft) * page}");
        mount.Should().NotBeNull("the test mounts a small tmpfs, which needs root");
        workspace.WriteWholeConfig(workspace.Header.Replace(workspace.StorePath, mount!.Path, StringComparison.Ordinal) + jobs);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stdout.Should().Contain("JOB").And.Contain("ARTIFACT", "the run ends with its table like any other");
        var lines = result.Stdout.Split('\n');
        lines.Should().Contain(l => l.Contains($"volume-{volume}.tar", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" ok", StringComparison.Ordinal), "the artifact itself fits the disk");
        var failed = lines.Should().ContainSingle(l => l.StartsWith($"job {job}: FAILED", StringComparison.Ordinal)).Subject;
        failed.Should().Contain("Storage 'local'").And.Contain(Path.Combine(mount.Path, job)).And.Contain(failingFile)
            .And.Contain("disk full").And.Contain("The set was removed");
        Directory.EnumerateFileSystemEntries(Path.Combine(mount.Path, job)).Should().BeEmpty("the set without its manifest is removed, partial files and all");
        var list = await workspace.RunAsync(cts.Token, "list", job);
        list.ExitCode.Should().Be(0, list.ToString());
        list.Stdout.Should().Contain($"No backup sets of job {job} yet.");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }
}
