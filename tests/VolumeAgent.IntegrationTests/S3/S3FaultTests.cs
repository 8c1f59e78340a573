using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.S3;

/// <summary>
/// S3 failing under a run: 5xx answers, reset connections, a server killed mid-upload, wrong keys, a missing bucket.
/// Each ends in a message naming the storage, the bucket and the fix, and no multipart upload is left open: every
/// upload that got parts was completed or aborted (the proxy saw it), and no upload marker stays. (s3rver answers
/// neither ListMultipartUploads nor AbortMultipartUpload, so the proxy's record is what shows the abort was sent.)
/// </summary>
[Collection(DockerTests.Storages)]
public sealed class S3FaultTests : IClassFixture<S3ServerFixture>
{
    private const int VolumeMebibytes = 40;
    private readonly DockerFixture _docker;
    private readonly S3ServerFixture _s3;
    private readonly ITestOutputHelper _output;

    public S3FaultTests(DockerFixture docker, S3ServerFixture s3, ITestOutputHelper output)
    {
        _docker = docker;
        _s3 = s3;
        _output = output;
        _s3.Proxy.Rule = _ => Fault.None;
    }

    [Fact]
    public async Task PartAnswered503Once_IsRetried_AndTheRunSucceeds()
    {
        var parts = 0;
        var result = await RunAsync(r => r.IsPartUpload && Interlocked.Increment(ref parts) == 2 ? Fault.Status503 : Fault.None);

        result.Run.ExitCode.Should().Be(0, result.Run.ToString());
        parts.Should().BeGreaterThan(VolumeMebibytes / 8, "the refused part was sent again");
        (await NamesAsync(result.Prefix)).Should().Contain("manifest.json").And.NotContain(n => n.EndsWith(".partial", StringComparison.Ordinal));
        _s3.Proxy.UploadsNotEnded().Should().BeEmpty();
    }

    [Fact]
    public async Task PartsAnswered500_FailNamingStorageAndBucket_AndTheUploadIsAborted()
    {
        var parts = 0;
        var result = await RunAsync(r => r.IsPartUpload && Interlocked.Increment(ref parts) >= 2 ? Fault.Status500 : Fault.None);

        result.Run.ExitCode.Should().Be(1, result.Run.ToString());
        result.Run.Output.Should().Contain($"S3 storage '{S3Workspace.StorageName}' (bucket '{S3ServerFixture.Bucket}'")
            .And.Contain("the server answered 500 InternalError to 5 attempts").And.Contain("check it and run the job again");
        await AssertNoUploadLeftAsync(result.Prefix);
    }

    [Fact]
    public async Task ConnectionResetOnParts_FailsNamingStorageAndBucket_AndTheUploadIsAborted()
    {
        var parts = 0;
        var result = await RunAsync(r => r.IsPartUpload && Interlocked.Increment(ref parts) >= 2 ? Fault.Reset : Fault.None);

        result.Run.ExitCode.Should().Be(1, result.Run.ToString());
        result.Run.Output.Should().Contain($"S3 storage '{S3Workspace.StorageName}' (bucket '{S3ServerFixture.Bucket}'")
            .And.Contain("Check that the S3 server at");
        await AssertNoUploadLeftAsync(result.Prefix);
    }

    [Fact]
    public async Task ServerStoppedMidUpload_FailsClearly_AndTheNextRunAbortsTheUploadItLeft()
    {
        var parts = 0;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        try
        {
            var result = await RunInAsync(
                workspace,
                docker,
                r =>
                {
                    if (r.IsPartUpload && Interlocked.Increment(ref parts) == 3)
                    {
                        _s3.StopServer();
                    }

                    return Fault.None;
                });

            result.Run.ExitCode.Should().Be(1, result.Run.ToString());
            result.Run.Output.Should().Contain($"S3 storage '{S3Workspace.StorageName}' (bucket '{S3ServerFixture.Bucket}'").And.Contain("Check that the S3 server at");
            await _s3.StartServerAsync();
            var left = (await NamesAsync(result.Prefix)).Where(n => n.EndsWith(".partial", StringComparison.Ordinal)).ToList();
            left.Should().ContainSingle("the marker records the upload the dead server could not be told to abort");
            (await NamesAsync(result.Prefix)).Should().NotContain("manifest.json", "a set without its manifest is incomplete");
            var uploadId = _s3.Proxy.Requests.First(r => r.IsPartUpload).UploadId;
            _s3.Proxy.Requests.Clear();
            _s3.Proxy.Rule = _ => Fault.None;

            var next = await workspace.RunAsync(CancellationToken.None, "run-now", result.Job);

            next.ExitCode.Should().Be(0, next.ToString());
            _s3.Proxy.Requests.Should().Contain(r => r.Method == "DELETE" && r.UploadId == uploadId, "the next run's sweep aborts the upload the marker names");
            (await NamesAsync(result.Prefix)).Should().NotContain(n => n.EndsWith(".partial", StringComparison.Ordinal));
        }
        finally
        {
            await _s3.StartServerAsync();
        }
    }

    /// <summary>
    /// A key the server does not know. (s3rver does not check SigV4 signatures, so a wrong secret key cannot be shown
    /// here; its message is covered by the unit tests of <c>S3Errors</c>.)
    /// </summary>
    [Fact]
    public async Task WrongAccessKey_FailsNamingStorageBucketAndTheSettingToCheck()
    {
        const string WrongValue = "Wr0ngKeyValue";
        var result = await RunAsync(_ => Fault.None, access: WrongValue);

        result.Run.ExitCode.Should().Be(1, result.Run.ToString());
        result.Run.Output.Should().Contain($"S3 storage '{S3Workspace.StorageName}' (bucket '{S3ServerFixture.Bucket}'")
            .And.Contain("the server does not know the access key").And.Contain("access_key_file")
            .And.NotContain(WrongValue).And.NotContain(S3ServerFixture.Key);
        _s3.Proxy.Requests.Should().NotContain(r => r.IsPartUpload, "the run stops before it reads a source");
    }

    [Fact]
    public async Task MissingBucket_FailsSayingToCreateIt()
    {
        var result = await RunAsync(_ => Fault.None, bucket: "no-such-bucket");

        result.Run.ExitCode.Should().Be(1, result.Run.ToString());
        result.Run.Output.Should().Contain($"S3 storage '{S3Workspace.StorageName}' (bucket 'no-such-bucket'")
            .And.Contain("bucket 'no-such-bucket' does not exist").And.Contain("Create the bucket");
    }

    private async Task<(AgentResult Run, string Prefix, string Job)> RunAsync(
        Func<ProxiedRequest, Fault> rule, string? access = null, string? bucket = null)
    {
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        return await RunInAsync(workspace, docker, rule, access, bucket);
    }

    /// <summary>Backs up a volume of random data to the bucket through the proxy, with <paramref name="rule"/> in force.</summary>
    private async Task<(AgentResult Run, string Prefix, string Job)> RunInAsync(
        AgentWorkspace workspace, CliDocker docker, Func<ProxiedRequest, Fault> rule, string? access = null, string? bucket = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        var source = await docker.CreateVolumeAsync("s3-fault", ct);
        await docker.ShellAsync(source, $"head -c {VolumeMebibytes}M /dev/urandom > /data/random.bin", ct);
        var job = workspace.Job("s3-fault");
        var prefix = S3Workspace.Configure(workspace, _s3, $"""
            jobs:
              {job}:
                compression: none
                sources:
                  - volume: {source}
            """, bucket, access: access);
        _s3.Proxy.Requests.Clear();
        _s3.Proxy.Rule = rule;
        var run = await workspace.RunAsync(ct, "run-now", job);
        _s3.Proxy.Rule = _ => Fault.None;
        (await workspace.AgentContainersAsync(ct)).Should().BeEmpty("the agent removes its helpers whatever S3 did");
        return (run, prefix + job + "/", job);
    }

    private async Task AssertNoUploadLeftAsync(string prefix)
    {
        _s3.Proxy.Requests.Should().Contain(r => r.IsPartUpload, "the artifact was being uploaded in parts");
        _s3.Proxy.UploadsNotEnded().Should().BeEmpty("every multipart upload was aborted");
        var names = await NamesAsync(prefix);
        names.Should().NotContain(n => n.EndsWith(".partial", StringComparison.Ordinal), "no upload marker stays");
        names.Should().NotContain(n => n.EndsWith(".tar", StringComparison.Ordinal), "the failed artifact never appears under its name");
    }

    private async Task<IReadOnlyList<string>> NamesAsync(string prefix) =>
        [.. (await _s3.ListAsync(prefix, CancellationToken.None)).Select(o => o.Key[(o.Key.LastIndexOf('/') + 1)..])];
}
