using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.S3;

/// <summary>
/// The by-hand restore of docs/backup-yml.md, without the agent: Debian's rclone fetches the set from the bucket,
/// <c>sha256sum -c SHA256SUMS</c> passes, and <c>tar</c> unpacks the volume to the same files.
/// </summary>
[Collection(DockerTests.Storages)]
public sealed class S3ByHandRestoreTests : IClassFixture<S3ServerFixture>
{
    private readonly DockerFixture _docker;
    private readonly S3ServerFixture _s3;
    private readonly ITestOutputHelper _output;

    public S3ByHandRestoreTests(DockerFixture docker, S3ServerFixture s3, ITestOutputHelper output)
    {
        _docker = docker;
        _s3 = s3;
        _output = output;
    }

    [Fact]
    public async Task RcloneCopy_Sha256sumCheck_AndTar_RestoreTheVolumeWithoutTheAgent()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = await docker.CreateVolumeAsync("s3-byhand", ct);
        await docker.ShellAsync(source, "cd /data; mkdir -p sub; head -c 20M /dev/urandom > sub/random.bin; echo hello > greeting.txt", ct);
        var job = workspace.Job("s3-byhand");
        var prefix = S3Workspace.Configure(workspace, _s3, $"""
            jobs:
              {job}:
                sources:
                  - volume: {source}
            """);
        var run = await workspace.RunAsync(ct, "run-now", job);
        run.ExitCode.Should().Be(0, run.ToString());
        var set = (await _s3.ListSetObjectsAsync(prefix + job + "/", ct)).Select(o => o.Key.Split('/')[^2]).Distinct().Single();
        var fetched = Path.Combine(workspace.Root, "fetched");
        var restored = Directory.CreateDirectory(Path.Combine(workspace.Root, "restored")).FullName;

        // As documented: keys in rclone's environment, not on its command line; AWS_CA_BUNDLE unset for a plain-http endpoint.
        var copy = await HostProcess.RunAsync(
            "env",
            [
                "-u", "AWS_CA_BUNDLE",
                "RCLONE_CONFIG_OFFSITE_TYPE=s3", "RCLONE_CONFIG_OFFSITE_PROVIDER=Other", $"RCLONE_CONFIG_OFFSITE_ENDPOINT=http://127.0.0.1:{_s3.ServerPort}",
                $"RCLONE_CONFIG_OFFSITE_ACCESS_KEY_ID={S3ServerFixture.Key}", $"RCLONE_CONFIG_OFFSITE_SECRET_ACCESS_KEY={S3ServerFixture.Key}",
                "rclone", "copy", $"offsite:{S3ServerFixture.Bucket}/{prefix}{job}/{set}", fetched,
            ],
            ct);
        copy.ExitCode.Should().Be(0, copy.Output);
        Directory.EnumerateFiles(fetched).Select(Path.GetFileName).Should().BeEquivalentTo([$"volume-{source}.tar.gz", "SHA256SUMS", "manifest.json"]);
        var check = await HostProcess.RunAsync("sha256sum", ["-c", "SHA256SUMS"], ct, workingDirectory: fetched);
        check.ExitCode.Should().Be(0, check.Output);
        check.Stdout.Should().Contain($"volume-{source}.tar.gz: OK");
        var untar = await HostProcess.RunAsync("tar", ["-xzf", Path.Combine(fetched, $"volume-{source}.tar.gz"), "-C", restored], ct);
        untar.ExitCode.Should().Be(0, untar.Output);

        var expected = await docker.ShellAsync(source, "cd /data && sha256sum greeting.txt sub/random.bin", ct, readOnly: true);
        var actual = await HostProcess.RunAsync("sha256sum", ["greeting.txt", "sub/random.bin"], ct, workingDirectory: restored);
        actual.Stdout.Should().Be(expected);
    }
}
