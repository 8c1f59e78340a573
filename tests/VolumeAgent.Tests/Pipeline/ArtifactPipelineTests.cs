using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using VolumeAgent.Pipeline;

namespace VolumeAgent.Tests.Pipeline;

public sealed class ArtifactPipelineTests
{
    [Theory]
    [InlineData("Gzip", "/usr/bin/gunzip")]
    [InlineData("Zstd", "/usr/bin/zstd")]
    [InlineData("None", "/usr/bin/cat")]
    public async Task RunAsync_EachKind_HashAndCountsDescribeTheStoredFile(string kindName, string decompressor)
    {
        var kind = Enum.Parse<CompressionKind>(kindName);
        using var temp = new TempDirectory();
        const int size = 7_654_321;
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);

        PipelineResult result;
        await using (var source = new GeneratedDataStream(size, DataProfile.Mixed))
        await using (var destination = File.Create(temp.File("artifact")))
        {
            result = await pipeline.RunAsync(source, destination, kind, level: null, CancellationToken.None);
        }

        result.RawBytes.Should().Be(size);
        result.StoredBytes.Should().Be(new FileInfo(temp.File("artifact")).Length);
        result.Sha256Hex.Should().Be(await HostTool.Sha256SumAsync(temp.File("artifact")));
        string[] arguments = kind == CompressionKind.None ? [temp.File("artifact")] : ["-d", "-c", temp.File("artifact")];
        await HostTool.RunCheckedAsync(decompressor, arguments, stdoutFile: temp.File("restored"));
        (await File.ReadAllBytesAsync(temp.File("restored"))).Should().Equal(GeneratedDataStream.ToArray(size, DataProfile.Mixed));
    }

    [Fact]
    public async Task RunAsync_Compressible_StoredBytesBelowRawBytes()
    {
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);
        var destination = new CountingNullStream();

        var result = await pipeline.RunAsync(
            new GeneratedDataStream(4_000_000, DataProfile.Text), destination, CompressionKind.Gzip, 6, CancellationToken.None);

        result.StoredBytes.Should().Be(destination.BytesWritten).And.BeLessThan(result.RawBytes / 2);
    }

    [Theory]
    [InlineData("Gzip", 0)]
    [InlineData("Gzip", 3_000_000)]
    [InlineData("Zstd", 3_000_000)]
    [InlineData("None", 100)]
    public async Task RunAsync_SourceThrows_PropagatesTheSameException(string kindName, long goodBytes)
    {
        var source = new FailingSourceStream(goodBytes, new IOException("helper container died: exit code 137"));
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);

        var act = () => pipeline.RunAsync(source, new CountingNullStream(), Enum.Parse<CompressionKind>(kindName), null, CancellationToken.None);

        (await act.Should().ThrowAsync<IOException>()).Which.Should().BeSameAs(source.Failure);
    }

    [Theory]
    [InlineData("Gzip")]
    [InlineData("Zstd")]
    [InlineData("None")]
    public async Task RunAsync_DestinationThrows_PropagatesTheSameException(string kindName)
    {
        var destination = new FailingDestinationStream(100_000, new IOException("No space left on device"));
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);

        var act = () => pipeline.RunAsync(
            new GeneratedDataStream(20_000_000, DataProfile.Random), destination, Enum.Parse<CompressionKind>(kindName), null, CancellationToken.None);

        (await act.Should().ThrowAsync<IOException>()).Which.Should().BeSameAs(destination.Failure);
    }

    [Fact]
    public async Task RunAsync_WithObserver_ObserverSeesEveryRawByteInOrderThenCompleteOnce()
    {
        var observer = new HashingObserver();
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);

        await pipeline.RunAsync(
            new GeneratedDataStream(5_000_000, DataProfile.Mixed), new CountingNullStream(), CompressionKind.Zstd, null, observer, CancellationToken.None);

        observer.Completions.Should().Be(1);
        observer.Hex.Should().Be(Convert.ToHexStringLower(SHA256.HashData(GeneratedDataStream.ToArray(5_000_000, DataProfile.Mixed))));
    }

    [Fact]
    public async Task RunAsync_ObserverCompleteThrows_PropagatesAndWritesNoEnd()
    {
        var failure = new InvalidDataException("corrupt tar");
        var observer = new HashingObserver { CompleteFailure = failure };
        var destination = new CountingNullStream();
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);

        var act = () => pipeline.RunAsync(new GeneratedDataStream(1000, DataProfile.Text), destination, CompressionKind.Gzip, null, observer, CancellationToken.None);

        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Should().BeSameAs(failure);
        destination.BytesWritten.Should().Be(0, "an abandoned gzip stream writes no member for the buffered kilobyte");
    }

    [Fact]
    public async Task RunAsync_Duration_ComesFromInjectedClock()
    {
        var clock = new FakeTimeProvider();
        var pipeline = new ArtifactPipeline(clock, threads: 1);
        var reads = 0;
        var source = new GeneratedDataStream(1_000_000, DataProfile.Text)
        {
            OnRead = _ =>
            {
                Interlocked.Increment(ref reads);
                clock.Advance(TimeSpan.FromSeconds(1));
            },
        };

        var result = await pipeline.RunAsync(source, new CountingNullStream(), CompressionKind.None, null, CancellationToken.None);

        reads.Should().BeGreaterThan(1);
        result.Duration.Should().Be(TimeSpan.FromSeconds(reads));
    }

    [Fact]
    public async Task RunAsync_AlreadyCancelled_ThrowsBeforeReading()
    {
        var source = new GeneratedDataStream(1000, DataProfile.Text);
        var pipeline = new ArtifactPipeline(TimeProvider.System);

        var act = () => pipeline.RunAsync(source, new CountingNullStream(), CompressionKind.Gzip, null, new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
        source.Position.Should().Be(0);
    }

    private sealed class HashingObserver : IRawStreamObserver
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public int Completions { get; private set; }

        public string? Hex { get; private set; }

        public Exception? CompleteFailure { get; init; }

        public void OnData(ReadOnlySpan<byte> data) => _hash.AppendData(data);

        public void Complete()
        {
            Completions++;
            if (CompleteFailure is not null)
            {
                throw CompleteFailure;
            }

            Hex = Convert.ToHexStringLower(_hash.GetHashAndReset());
        }
    }
}
