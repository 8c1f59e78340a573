using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// A set whose manifest.json is damaged exists and is bad: `list` says corrupt in its STATUS column and gives the
/// reason below the table; `verify` and `restore` of it fail with exit code 1, not 2 ("no such set").
/// </summary>
[Collection(DockerTests.Databases)]
public sealed partial class CorruptSetTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public CorruptSetTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task List_CorruptManifest_SaysCorruptInTheStatusColumnAndGivesTheReasonBelow()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (job, set) = await MakeCorruptSetAsync(scope, workspace, "corruptlist", cts.Token);

        var list = await workspace.RunAsync(cts.Token, "list", job);

        list.ExitCode.Should().Be(0, list.ToString());
        var lines = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var row = Columns().Split(lines.Should().ContainSingle(l => l.Contains(set, StringComparison.Ordinal) && !l.Contains(" is corrupt: ", StringComparison.Ordinal)).Subject.Trim());
        row[4].Should().Be("corrupt", "the STATUS column holds the status, not the parser's message");
        lines.Should().ContainSingle(l => l.StartsWith($"{job}/{set} in storage local is corrupt: manifest.json is not a valid manifest", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VerifyAndRestore_CorruptManifest_ExitOneNamingTheSetAndWhy()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (job, set) = await MakeCorruptSetAsync(scope, workspace, "corruptverify", cts.Token);

        var verify = await workspace.RunAsync(cts.Token, "verify", $"{job}/{set}");
        var restore = await workspace.RunAsync(cts.Token, "restore", set, "--yes");

        verify.ExitCode.Should().Be(1, "the set exists and is bad: " + verify);
        verify.Stdout.Should().Contain($"verify {job}/{set} in storage local:").And.Contain("FAIL").And.Contain("is corrupt").And.Contain("verify FAILED");
        restore.ExitCode.Should().Be(1, "the set exists and is bad: " + restore);
        restore.Stderr.Should().Contain($"Backup set {job}/{set} in storage local is corrupt");
    }

    /// <summary>Backs up a small volume, then damages the set's manifest.json; returns the job and the set's directory name.</summary>
    private async Task<(string Job, string Set)> MakeCorruptSetAsync(TestScope scope, AgentWorkspace workspace, string prefix, CancellationToken cancellationToken)
    {
        var volume = await scope.CreateVolumeAsync(prefix, cancellationToken);
        await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", "echo data > /data/file"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data" }] },
            },
            cancellationToken);
        var job = workspace.Job(prefix);
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - volume: {volume}
            """);
        var run = await workspace.RunAsync(cancellationToken, "run-now", job);
        run.ExitCode.Should().Be(0, run.ToString());
        var setPath = workspace.SetDirectories(job).Should().ContainSingle().Subject;
        await File.WriteAllTextAsync(Path.Combine(setPath, BackupSet.ManifestFile), "{ \"format_version\": 1, \"job\": ", cancellationToken);
        return (job, Path.GetFileName(setPath));
    }

    /// <summary>Columns are set apart by two or more spaces; a start time has single spaces inside.</summary>
    [GeneratedRegex(" {2,}")]
    private static partial Regex Columns();
}
