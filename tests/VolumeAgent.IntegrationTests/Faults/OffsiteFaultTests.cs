using System.Diagnostics;
using System.Text.RegularExpressions;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.S3;
using VolumeAgent.IntegrationTests.Sftp;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>
/// Off-site storages that stop answering in the middle of an upload (a server that hangs, not one that is down):
/// the job's stall_timeout must end the artifact, naming the storage, and the next run succeeds once the server answers
/// again. S3 answering 500s, resetting connections, stopped mid-upload, or refusing the key are in <c>S3FaultTests</c>;
/// SFTP killed mid-upload and refusing the login in <c>SftpFailureTests</c>.
/// </summary>
[Collection(DockerTests.Faults)]
[Trait("Category", "Fault")]
public sealed class OffsiteFaultTests : IClassFixture<S3ServerFixture>
{
    /// <summary>
    /// How long the run that met the hanging SFTP server may take after the fault, the server still hanging: the stall
    /// (3 s) and the source's diagnosis. Before a stalled storage was given up for the rest of the run, that run waited on
    /// the hung server (partial-file removal, SHA256SUMS, manifest, each bounded only by SSH.NET's 2-minute operation
    /// timeout) and had not ended after 4 minutes.
    /// </summary>
    private static readonly TimeSpan StalledRunBound = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(5);
    private readonly DockerFixture _docker;
    private readonly S3ServerFixture _s3;
    private readonly ITestOutputHelper _output;

    public OffsiteFaultTests(DockerFixture docker, S3ServerFixture s3, ITestOutputHelper output)
    {
        _docker = docker;
        _s3 = s3;
        _output = output;
        _s3.Proxy.Rule = _ => Fault.None;
    }

    [Fact]
    public async Task S3ServerHangsMidUpload_StallTimeoutEndsTheArtifactNamingTheStorage_NextRunSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, "S3 server hangs mid-upload (beyond stall_timeout)", cts.Token);
        var source = await docker.CreateVolumeAsync("s3-slow", cts.Token);
        await docker.ShellAsync(source, "head -c 40M /dev/urandom > /data/random.bin", cts.Token);
        var job = workspace.Job("s3slow");
        fault.Job = job;
        S3Workspace.Configure(workspace, _s3, $"""
            jobs:
              {job}:
                compression: none
                stall_timeout: 3s
                sources:
                  - volume: {source}
            """);

        var parts = 0;
        _s3.Proxy.Rule = r => r.IsPartUpload && Interlocked.Increment(ref parts) >= 2 ? Fault.Hang : Fault.None;
        fault.Injected();
        var result = await workspace.RunAsync(cts.Token, "run-now", job);
        _s3.Proxy.Rule = _ => Fault.None;

        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.FailedNamingCause, "stall_timeout (3s) ended the artifact: \"The S3 storage … took no data for 3s\"; the storage was given up for the rest of the run, the abort of the multipart upload started without waiting for the hung server")
            {
                Run = result,
                Causes = ["took no data for 3s", S3Workspace.StorageName],
            },
            cts.Token);
    }

    /// <summary>
    /// The SFTP server is paused mid-upload and stays paused until the run has ended: the stalled storage is given up for
    /// the rest of the run, so the next source's artifact fails at once naming it and the stall, nothing else of the run
    /// waits on the hung server, the run ends within <see cref="StalledRunBound"/> and releases the job's lock.
    /// </summary>
    [Fact]
    public async Task SftpServerHangsMidUpload_StallTimeoutEndsTheArtifactNamingTheStorage_NextRunSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var volumes = new TestVolumes(_docker, _output);
        await using var server = await SftpServer.StartAsync(_docker, _output, cts.Token);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, "SFTP server hangs mid-upload (beyond stall_timeout)", cts.Token);
        var source = await volumes.CreateAsync("sftp-slow", "head -c 64M /dev/urandom > /data/random.bin", cts.Token);
        var small = await volumes.CreateAsync("sftp-small", "echo small > /data/small.txt", cts.Token);
        var job = workspace.Job("sftpslow");
        fault.Job = job;
        workspace.WriteWholeConfig(SftpStorageTests.Config(
            workspace, server.StorageYaml("offsite"), job, $"{source}\n      - volume: {small}", "    compression: none\n    stall_timeout: 3s\n"));
        var container = (await CommandLine.DockerOkAsync(
            cts.Token, "ps", "-q", "--filter", $"label={DockerFixture.RunLabel}={_docker.TestRunId}", "--filter", $"ancestor={SshdContainer.Image}", "--filter", $"publish={server.Port}")).Trim();
        container.Should().NotBeEmpty("the SFTP server's container is found by its labels and port");

        await using var run = await workspace.StartAsync(cts.Token, "run-now", job);
        await WhenUploadGrowsAsync(server, job, run, cts.Token);
        await CommandLine.DockerPauseAsync(container, cts.Token);
        fault.Injected();
        AgentResult result;
        try
        {
            // The server still hangs while the run ends: nothing of the run may wait on it.
            result = await run.WaitAsync(StalledRunBound, cts.Token);
            using (new FileStream(Path.Combine(workspace.StateDir, "locks", job + ".lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                // Taken: the run released the job's lock while the server still hangs.
            }
        }
        finally
        {
            await CommandLine.DockerAsync(CancellationToken.None, "unpause", container);
        }

        result.Output.Should().MatchRegex(
            $"volume-{Regex.Escape(small)}\\.tar failed: No storage could take it: storage 'offsite' \\([^)]*\\): The storage 'offsite' [^\\n]*took no data for 3s",
            "the stalled storage is given up for the rest of the run: the next artifact fails at once, naming the storage and the stall");
        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.FailedNamingCause, "stall_timeout (3s) ended the artifact: \"The SFTP storage … took no data for 3s\"; the storage was given up for the rest of the run (the next artifact failed at once naming it) and the run ended with the server still hung; the next run swept its temporary file")
            {
                Run = result,
                Causes = ["took no data for 3s", "offsite"],
            },
            cts.Token);
        server.StoredFiles().Should().NotContain(f => f.EndsWith(".partial", StringComparison.Ordinal), "the next run sweeps the temporary file the stalled upload left");
    }

    /// <summary>Waits until a temporary upload file of the job on the SFTP server exists and grows.</summary>
    private static async Task WhenUploadGrowsAsync(SftpServer server, string job, AgentRun run, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        long seen = 0;
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            run.HasExited.Should().BeFalse($"the run must still be uploading; it ended: {run.OutputSoFar}");
            var jobPath = Path.Combine(server.StorePath, job);
            var partial = Directory.Exists(jobPath)
                ? Directory.EnumerateFiles(jobPath, ".*.partial", SearchOption.AllDirectories).Select(f => new FileInfo(f)).FirstOrDefault()
                : null;
            if (partial is { Exists: true })
            {
                if (seen > 0 && partial.Length > seen)
                {
                    return;
                }

                seen = partial.Length;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"No temporary upload file of job {job} appeared and grew on the SFTP server within 60 s. Agent output: {run.OutputSoFar}");
    }
}
