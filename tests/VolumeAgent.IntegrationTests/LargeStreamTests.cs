using System.Globalization;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

// Alone: its allocation check reads the whole process's allocated bytes, which tests running beside it would add to.
[Collection(DockerTests.Alone)]
public sealed class LargeStreamTests
{
    private const long OneGibibyte = 1L << 30;

    /// <summary>Far below the stream's size: what a streaming read may allocate in all, buffers and state machines included.</summary>
    private const long AllocationBound = 64L << 20;

    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(10);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public LargeStreamTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task Stdout_OneGibibyteFileCatThroughExec_HashMatchesSha256sumAndAllocationStaysFlat()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token, [new MountSpec { Type = "tmpfs", Target = "/scratch" }]);
        var exec = _docker.Engine.Exec;

        // The file is made and hashed inside the container once, so the streamed copy has an exact reference.
        await RunToZeroAsync(exec, container, ["dd", "if=/dev/urandom", "of=/scratch/big", "bs=1M", "count=1024"], cts.Token);
        var reference = (await RunToZeroAsync(exec, container, ["sha256sum", "/scratch/big"], cts.Token)).Split(' ')[0];

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var started = _docker.Time.GetTimestamp();
        string streamed;
        long length;
        long exitCode;
        await using (var process = await exec.RunAsync(container, ["cat", "/scratch/big"], cts.Token))
        {
            (streamed, length) = await Sha256.OfStreamAsync(process.Stdout, cts.Token);
            exitCode = await process.WaitForExitAsync(cts.Token);
        }

        var elapsed = _docker.Time.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        _output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"1 GiB through exec stdout in {elapsed.TotalSeconds:0.00} s: {length / 1e6 / elapsed.TotalSeconds:0} MB/s; allocated {allocated / 1024.0 / 1024.0:0.00} MiB"));

        exitCode.Should().Be(0);
        length.Should().Be(OneGibibyte);
        streamed.Should().Be(reference);
        allocated.Should().BeLessThan(AllocationBound, "the stream is copied through one pooled buffer, never gathered");
    }

    private static async Task<string> RunToZeroAsync(IExecOperations exec, string container, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        await using var process = await exec.RunAsync(container, command, cancellationToken);
        using var reader = new StreamReader(process.Stdout);
        var output = await reader.ReadToEndAsync(cancellationToken);
        var code = await process.WaitForExitAsync(cancellationToken);
        code.Should().Be(0, $"'{string.Join(' ', command)}' must succeed; stderr: {process.Stderr}");
        return output;
    }
}
