using VolumeAgent.Pipeline;
using VolumeAgent.Pipeline.Gzip;
using VolumeAgent.Pipeline.Zstd;

namespace VolumeAgent.Tests.Pipeline;

/// <summary>Process-wide measurements (allocations, live workers): run alone.</summary>
[Collection(PipelineSerialDefinition.Name)]
public sealed class PipelineResourceTests
{
    private const long HalfGigabyte = 512L * 1024 * 1024;

    [Theory]
    [InlineData("Gzip")]
    [InlineData("Zstd")]
    public async Task RunAsync_HalfGigabyte_AllocatesFarLessThanTheData(string kindName)
    {
        var kind = Enum.Parse<CompressionKind>(kindName);
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);
        // Warm up JIT, pools and the native library so the measurement sees the steady state.
        await pipeline.RunAsync(new GeneratedDataStream(8 * 1024 * 1024, DataProfile.Mixed), new CountingNullStream(), kind, null, CancellationToken.None);
        await using var source = new GeneratedDataStream(HalfGigabyte, DataProfile.Mixed);
        var destination = new CountingNullStream();

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await pipeline.RunAsync(source, destination, kind, null, CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        result.RawBytes.Should().Be(HalfGigabyte);
        destination.BytesWritten.Should().BeGreaterThan(0);
        allocated.Should().BeLessThan(64L * 1024 * 1024, $"{allocated:N0} bytes were allocated for {HalfGigabyte:N0} bytes of data");
    }

    [Theory]
    [InlineData("Gzip")]
    [InlineData("Zstd")]
    public async Task RunAsync_CancelledMidStream_ThrowsOperationCanceledAndLeavesNoWorker(string kindName)
    {
        var kind = Enum.Parse<CompressionKind>(kindName);
        using var cancellation = new CancellationTokenSource();
        var source = new GeneratedDataStream(HalfGigabyte, DataProfile.Mixed)
        {
            OnRead = position =>
            {
                if (position > 20_000_000)
                {
                    cancellation.Cancel();
                }
            },
        };
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);

        var act = () => pipeline.RunAsync(source, new CountingNullStream(), kind, null, cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        source.Position.Should().BeLessThan(30_000_000, "the pipeline stops at the next read or write after cancellation");
        ParallelGzipStream.LiveWorkerCount.Should().Be(0);
        ZstdCompressStream.LiveContextCount.Should().Be(0);
    }

    [Fact]
    public async Task ParallelGzip_WriteCancelledWhileWaitingForMembers_AbortAndDisposeLeaveNoWorker()
    {
        using var cancellation = new CancellationTokenSource();
        var gzip = new ParallelGzipStream(new CountingNullStream(), 9, 1, chunkSize: 256 * 1024);
        var data = GeneratedDataStream.ToArray(4 * 1024 * 1024, DataProfile.Random);
        await cancellation.CancelAsync();

        var act = async () =>
        {
            await gzip.WriteAsync(data.AsMemory(0, 600_000));
            await gzip.WriteAsync(data.AsMemory(600_000), cancellation.Token);
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        gzip.Abort();
        await gzip.DisposeAsync();
        ParallelGzipStream.LiveWorkerCount.Should().Be(0);
    }
}
