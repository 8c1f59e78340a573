using System.Diagnostics;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.Manifest.Sets;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// An agent killed outright (SIGKILL: no handler runs) in the middle of archiving a volume leaves its helper
/// container behind and an incomplete set; the next start of an agent on the same state_dir removes the orphan,
/// and its own run succeeds.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class CrashRecoveryTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);

    // 768 MiB, 12 copies of 64 MiB of random bytes (as incompressible as one stream, faster to write): archiving
    // takes seconds, so the agent is surely killed mid-archive. Not more: while an agent without the state_dir
    // check in its leftover sweep runs elsewhere on this engine, every second a helper lives is a second it can be
    // swept from under the test.
    private const int Chunks = 12;

    private static readonly string FillScript = $"""
        set -e
        head -c 67108864 /dev/urandom > /data/chunk
        i=0
        while [ $i -lt {Chunks} ]; do cat /data/chunk; i=$((i + 1)); done > /data/large.bin
        rm /data/chunk
        """;

    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public CrashRecoveryTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_AgentKilledWhileArchiving_HelperOrphanedThenSweptByNextRunWhichSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("crash", cts.Token);
        var fill = await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", FillScript],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    LogConfig = new LogConfig { Type = "none" },
                    Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data" }],
                },
            },
            cts.Token);
        fill.ExitCode.Should().Be(0, fill.Stderr);
        var job = workspace.Job("crash");
        var file = $"volume-{volume}.tar";

        // No compression: the point is the crash, and the second run should not spend half a minute in gzip.
        workspace.WriteConfig($"""
            jobs:
              {job}:
                compression: none
                sources:
                  - volume: {volume}
            """);

        string helperId;
        await using (var crashed = await workspace.StartAsync(cts.Token, "run-now", job))
        {
            helperId = await WaitForHelperAsync(workspace, crashed, cts.Token);
            await crashed.KillAsync();
            _output.WriteLine($"--- killed agent {crashed.ProcessId} while helper {helperId[..12]} ran; its output: {crashed.OutputSoFar}");
        }

        var orphan = await _docker.Client.TryInspectContainerAsync(helperId, cts.Token);
        orphan.Should().NotBeNull("nobody removes the helper of a killed agent until an agent starts again");
        orphan!.Config!.Labels.Should().Contain(AgentLabelNames.Job, job);
        var crashedSet = workspace.SetDirectories(job).Should().ContainSingle("the killed run had begun its set").Subject;
        var leftFiles = Directory.EnumerateFiles(crashedSet).Select(Path.GetFileName).ToList();
        leftFiles.Should().NotContain([file, BackupSet.ManifestFile, BackupSet.ChecksumsFile], "an interrupted artifact never gets its final name, and the set no manifest");
        var listed = await workspace.RunAsync(cts.Token, "list", job);
        listed.ExitCode.Should().Be(0, listed.ToString());
        listed.Stdout.Should().MatchRegex($@"{Path.GetFileName(crashedSet)}\s.*\sincomplete\s", "a set without a manifest lists as incomplete");

        var result = await workspace.RunAsync(cts.Token, "run-now", job, "--verbose");

        result.ExitCode.Should().Be(0, result.ToString());
        (await _docker.Client.TryInspectContainerAsync(helperId, cts.Token)).Should().BeNull("the next agent start removes helpers whose agent is gone");
        result.Output.Should().Contain($"Removed container {orphan.Name!.TrimStart('/')} that an interrupted run");
        var sets = workspace.SetDirectories(job);
        sets.Should().HaveCount(2).And.Contain(crashedSet);
        var set = await BackupSet.ReadAsync(sets.Single(s => s != crashedSet), cts.Token);
        await set.VerifyAsync(job, "succeeded", cts.Token);
        set.Artifact(file).RawBytes.Should().BeGreaterThan(Chunks * 64L * 1024 * 1024);
        Directory.EnumerateFiles(crashedSet).Select(Path.GetFileName).Should().NotContain(
            [file, $".{file}.partial", BackupSet.ManifestFile], "the next run of the job removes the partial file and the crashed set never completes");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    /// <summary>The helper the running agent started for the job; fails if the agent ends before one appears.</summary>
    private async Task<string> WaitForHelperAsync(AgentWorkspace workspace, AgentRun run, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            run.HasExited.Should().BeFalse($"the agent must still be archiving when it is killed; it ended: {run.OutputSoFar}");
            var helpers = await workspace.AgentContainersAsync(cancellationToken);
            if (helpers.Count > 0)
            {
                helpers.Should().ContainSingle();
                _output.WriteLine($"helper {helpers[0].Names?.FirstOrDefault()} appeared after {waited.Elapsed.TotalSeconds:0.0} s");
                return helpers[0].ID;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"No helper container of the job appeared within 60 s. Agent output: {run.OutputSoFar}");
    }
}
