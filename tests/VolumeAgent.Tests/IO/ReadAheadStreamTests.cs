using System.Security.Cryptography;
using VolumeAgent.IO;
using VolumeAgent.Tests.Pipeline;

namespace VolumeAgent.Tests.IO;

public sealed class ReadAheadStreamTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 7)]
    [InlineData(1_000_003, 4096)]
    [InlineData(3_333_333, 200_000)]
    public async Task ReadAsync_AnyReadSize_YieldsTheInnerBytesInOrder(int size, int readSize)
    {
        var expected = await HashOfAsync(new GeneratedDataStream(size, DataProfile.Mixed), readSize);

        await using var readAhead = new ReadAheadStream(new GeneratedDataStream(size, DataProfile.Mixed), bufferSize: 64 * 1024, depth: 3);
        var actual = await HashOfAsync(readAhead, readSize);

        actual.Should().Be(expected);
    }

    [Fact]
    public async Task ReadAsync_InnerFailsPartWay_EveryByteBeforeTheFailureThenTheSameException()
    {
        const long good = 777_777;
        var failure = new IOException("the engine closed the connection");
        await using var readAhead = new ReadAheadStream(new FailingSourceStream(good, failure), bufferSize: 64 * 1024, depth: 2);
        var buffer = new byte[10_000];
        long total = 0;

        var act = async () =>
        {
            int read;
            while ((read = await readAhead.ReadAsync(buffer)) > 0)
            {
                total += read;
            }
        };

        (await act.Should().ThrowAsync<IOException>()).Which.Should().BeSameAs(failure);
        total.Should().Be(good, "the bytes before the failure arrive before it");
    }

    [Fact]
    public async Task ReadAsync_SlowReader_InnerIsReadAtMostDepthPlusTwoBuffersAhead()
    {
        const int bufferSize = 16 * 1024;
        const int depth = 3;
        var inner = new PositionTrackingStream(new GeneratedDataStream(10_000_000, DataProfile.Random));
        await using var readAhead = new ReadAheadStream(inner, bufferSize: bufferSize, depth: depth);

        (await readAhead.ReadAsync(new byte[1])).Should().Be(1);
        // The fill task reads ahead until every buffer of its pool is full: one in the reader's hand, depth waiting
        // in the channel, one filled and waiting for room. Wait for that state however slow the machine is (a
        // fixed pause read a busy machine's not-yet-scheduled fill task as "stopped"), then give an over-reading
        // fill task time to go past it.
        const long bound = (depth + 2) * bufferSize;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (inner.BytesRead < bound && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        inner.BytesRead.Should().Be(bound, "the inner stream is read ahead of the reader until the buffers are full");
        await Task.Delay(200);
        inner.BytesRead.Should().Be(bound, "memory stays bounded whatever the reader's pace");
    }

    [Fact]
    public async Task Dispose_WhileTheInnerReadWaitsForever_EndsTheReadAndAPendingReadFails()
    {
        var inner = new NeverEndingReadStream();
        var readAhead = new ReadAheadStream(inner);
        var pending = readAhead.ReadAsync(new byte[16]).AsTask();
        await inner.ReadStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await readAhead.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        inner.Disposed.Should().BeTrue();
        await pending.Invoking(p => p).Should().ThrowAsync<ObjectDisposedException>("a read cut short must not look like the end of the data");
    }

    [Fact]
    public async Task ReadAsync_CancelledByTheCaller_ThrowsOperationCanceled()
    {
        var inner = new NeverEndingReadStream();
        await using var readAhead = new ReadAheadStream(inner);
        using var cts = new CancellationTokenSource();
        var pending = readAhead.ReadAsync(new byte[16], cts.Token).AsTask();
        await inner.ReadStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await cts.CancelAsync();

        await pending.Invoking(p => p).Should().ThrowAsync<OperationCanceledException>();
    }

    private static async Task<string> HashOfAsync(Stream stream, int readSize)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[readSize];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        await stream.DisposeAsync();
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private sealed class PositionTrackingStream(Stream inner) : ReadOnlyStream
    {
        private long _position;

        public long BytesRead => Interlocked.Read(ref _position);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Interlocked.Add(ref _position, read);
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A read that never completes on its own and ignores its token, like a socket nobody writes to; disposing ends it.</summary>
    private sealed class NeverEndingReadStream : ReadOnlyStream
    {
        private readonly TaskCompletionSource<int> _read = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReadStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Disposed { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ReadStarted.TrySetResult();
            return new ValueTask<int>(_read.Task);
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            _read.TrySetException(new ObjectDisposedException(nameof(NeverEndingReadStream)));
            base.Dispose(disposing);
        }
    }
}
