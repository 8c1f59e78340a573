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
[Collection(DockerTests.Databases)]
public sealed class CrashRecoveryTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);

    // 768 MiB, 12 copies of 64 MiB of random bytes (as incompressible as one stream, faster to write): archiving
    // takes seconds, so the agent is surely killed mid-archive (the test waits until bytes arrive, then kills).
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
            helperId = await WaitForHelperAsync(workspace, crashed, job, file, cts.Token);
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

    /// <summary>
    /// The helper of the job, once the engine has finished creating it and the agent is reading the archive through it
    /// (its partial file in the set has bytes); fails if the agent ends before that.
    /// <para>
    /// A container listed is not yet a container created: the engine lists a new container before its creation ends,
    /// and until then inspecting it answers 404 (measured on engine 20.10: 26 of 221 containers listed while another
    /// client created them were not found by an inspect sent right after the listing). Taking the helper's id from
    /// the list and killing the agent at once once made this test inspect a helper "not there" that the engine then
    /// finished creating, and that was still there at the cleanup.
    /// </para>
    /// </summary>
    private async Task<string> WaitForHelperAsync(AgentWorkspace workspace, AgentRun run, string job, string file, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        string? helper = null;
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            run.HasExited.Should().BeFalse($"the agent must still be archiving when it is killed; it ended: {run.OutputSoFar}");
            if (helper is null)
            {
                var helpers = await workspace.AgentContainersAsync(cancellationToken);
                if (helpers.Count > 0)
                {
                    helpers.Should().ContainSingle();
                    if (await _docker.Client.TryInspectContainerAsync(helpers[0].ID, cancellationToken) is not null)
                    {
                        helper = helpers[0].ID;
                        _output.WriteLine($"helper {helpers[0].Names?.FirstOrDefault()} created after {waited.Elapsed.TotalSeconds:0.0} s");
                    }
                }
            }

            if (helper is not null && ArchivedBytes(workspace, job, file) > 0)
            {
                _output.WriteLine($"archiving under way after {waited.Elapsed.TotalSeconds:0.0} s");
                return helper;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"No helper container of the job was archiving within 60 s. Agent output: {run.OutputSoFar}");
    }

    /// <summary>The size of the artifact's partial file in the job's one set so far (0 before it exists).</summary>
    private static long ArchivedBytes(AgentWorkspace workspace, string job, string file) =>
        workspace.SetDirectories(job) is [var set] && new FileInfo(Path.Combine(set, $".{file}.partial")) is { Exists: true } partial ? partial.Length : 0;
}
