using System.Text;
using Docker.DotNet;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;

namespace VolumeAgent.Tests.Docker;

/// <summary>The engine's multiplexed output as <see cref="StdoutStream"/> reads it, through the library's demultiplexer.</summary>
public sealed class StdoutStreamTests
{
    private const byte Stdout = 1;
    private const byte Stderr = 2;

    public static TheoryData<int[]> ReadPatterns => new()
    {
        new[] { int.MaxValue },
        new[] { 1 },
        new[] { 3, 5, 7 },
        new[] { 8 },
        new[] { 9, 1 },
        new[] { 4096 },
    };

    [Theory]
    [MemberData(nameof(ReadPatterns))]
    public async Task Read_HeadersAndPayloadsSplitAcrossReads_YieldsEveryStreamIntact(int[] readSizes)
    {
        var out1 = Frames.Bytes(1000, 1);
        var err1 = Encoding.UTF8.GetBytes("warning: something\n");
        var out2 = Frames.Bytes(70_000, 2);
        var data = Frames.Build((Stdout, out1), (Stderr, err1), (Stdout, out2));

        var (stdout, stderr) = await ReadAll(new ChunkedReadStream(data, readSizes), bufferSize: 777);

        stdout.Should().Equal(out1.Concat(out2));
        stderr.Should().Equal(err1);
    }

    [Fact]
    public async Task Read_ZeroLengthFrames_AreSkippedAndDoNotEndTheStream()
    {
        var payload = Frames.Bytes(10, 3);
        var data = Frames.Build((Stdout, []), (Stderr, []), (Stdout, payload), (Stdout, []));

        var (stdout, stderr) = await ReadAll(new ChunkedReadStream(data, 5), bufferSize: 64);

        stdout.Should().Equal(payload);
        stderr.Should().BeEmpty();
    }

    [Fact]
    public async Task Read_FrameLargerThanBuffer_IsHandedOutInPiecesOfTheBufferSize()
    {
        var payload = Frames.Bytes(5 * 1024 * 1024, 4);
        await using var stdout = new StdoutStream(new MemoryStream(Frames.Build((Stdout, payload))), new OutputTail());
        var buffer = new byte[64 * 1024];
        var total = 0;
        var maxChunk = 0;
        int read;
        while ((read = await stdout.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            buffer.AsSpan(0, read).SequenceEqual(payload.AsSpan(total, read)).Should().BeTrue();
            total += read;
            maxChunk = Math.Max(maxChunk, read);
        }

        total.Should().Be(payload.Length);
        maxChunk.Should().BeLessThanOrEqualTo(buffer.Length);
    }

    [Fact]
    public async Task Read_StreamEndsInsidePayload_ThrowsEndOfStreamSayingItWasCutOff()
    {
        var data = Frames.Build((Stdout, Frames.Bytes(100, 5)));
        var truncated = data[..50];

        var act = () => ReadAll(new MemoryStream(truncated), 64);

        (await act.Should().ThrowAsync<EndOfStreamException>()).WithMessage("*ended inside a frame*cut off*");
    }

    [Fact]
    public async Task Read_StreamEndsInsideHeader_ThrowsEndOfStreamSayingHowFarItGot()
    {
        var data = Frames.Build((Stdout, Frames.Bytes(10, 6)), (Stderr, Frames.Bytes(10, 7)));

        var act = () => ReadAll(new MemoryStream(data[..21]), 64);

        (await act.Should().ThrowAsync<EndOfStreamException>()).WithMessage("*after 10 bytes of stdout and 0 of stderr*");
    }

    [Fact]
    public async Task Read_EmptyStream_EndsAtOnce()
    {
        var (stdout, stderr) = await ReadAll(new MemoryStream([]), 64);

        stdout.Should().BeEmpty();
        stderr.Should().BeEmpty();
    }

    /// <summary>
    /// The engine half-closes an exec's connection when the output ends and closes it later; on a unix socket
    /// still holding input of ours, that later close makes the next read fail with "connection reset by peer".
    /// Once the end has been read, the connection is never read again.
    /// </summary>
    [Fact]
    public async Task Read_AfterTheEnd_EndsAgainWithoutReadingTheConnection()
    {
        var payload = Frames.Bytes(100, 5);
        var connection = new ResetAfterEndStream(Frames.Build((Stdout, payload)));
        await using var stdout = new StdoutStream(connection, new OutputTail());
        var buffer = new byte[4096];
        (await stdout.ReadAsync(buffer, CancellationToken.None)).Should().Be(100);
        (await stdout.ReadAsync(buffer, CancellationToken.None)).Should().Be(0);
        connection.CloseWithInputUnread();

        (await stdout.ReadAsync(buffer, CancellationToken.None)).Should().Be(0);
        await stdout.DrainAsync(CancellationToken.None);

        connection.ReadsAfterTheEnd.Should().Be(0);
    }

    [Fact]
    public async Task Read_RawTtyOutput_IsRejectedAsNotMultiplexed()
    {
        var act = () => ReadAll(new MemoryStream(Encoding.ASCII.GetBytes("hello world, no framing here")), 64);

        (await act.Should().ThrowAsync<InvalidDataException>()).WithMessage("*not a multiplexed stream*TTY*");
    }

    [Fact]
    public async Task StdoutStream_InterleavedStderr_GoesToTailAndSinkNotToStdout()
    {
        var sunk = new List<byte>();
        var frames = new List<(byte, byte[])>();
        var expectedOut = new List<byte>();
        for (var i = 0; i < 200; i++)
        {
            var o = Frames.Bytes(3000 + i, i);
            frames.Add((Stdout, o));
            expectedOut.AddRange(o);
            frames.Add((Stderr, Encoding.ASCII.GetBytes($"line {i}\n")));
        }

        var tail = new OutputTail(64);
        await using var stream = new StdoutStream(new ChunkedReadStream(Frames.Build([.. frames]), 4093), tail, d => sunk.AddRange(d.ToArray()));
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, 1000);

        copy.ToArray().Should().Equal(expectedOut);
        stream.StdoutBytes.Should().Be(expectedOut.Count);
        Encoding.ASCII.GetString(sunk.ToArray()).Should().StartWith("line 0\nline 1\n").And.EndWith("line 199\n");
        tail.ToString().Should().StartWith("…").And.EndWith("line 199");
        tail.TotalBytes.Should().Be(sunk.Count);
    }

    [Fact]
    public async Task Read_MemoryWithoutAnArray_IsServedThroughARentedArray()
    {
        var payload = Frames.Bytes(3000, 8);
        await using var stdout = new StdoutStream(new MemoryStream(Frames.Build((Stdout, payload))), new OutputTail());
        using var copy = new MemoryStream();
        using var buffer = new HiddenArrayMemory(1000);
        int read;
        while ((read = await stdout.ReadAsync(buffer.Memory, CancellationToken.None)) > 0)
        {
            copy.Write(buffer.Memory.Span[..read]);
        }

        copy.ToArray().Should().Equal(payload);
    }

    [Fact]
    public async Task LogsStream_ReadDirectly_IsFramedAgain_AndStdoutStreamReadsTheLibrarysFrames()
    {
        var out1 = Frames.Bytes(1000, 9);
        var err1 = Encoding.UTF8.GetBytes("warning\n");
        var data = Frames.Build((Stdout, out1), (Stderr, err1));

        // Read directly, the stream is framed again (in the pieces the connection gave): the same output, well framed.
        await using (var raw = new MultiplexedOutputStream(new MultiplexedStream(new ChunkedReadStream(data, 7, 500), multiplexed: true)))
        {
            using var copy = new MemoryStream();
            await raw.CopyToAsync(copy, 5);
            var (stdoutAgain, stderrAgain) = await ReadAll(new MemoryStream(copy.ToArray()), 64);
            stdoutAgain.Should().Equal(out1);
            stderrAgain.Should().Equal(err1);
        }

        var tail = new OutputTail();
        await using var stdout = new StdoutStream(
            new MultiplexedOutputStream(new MultiplexedStream(new MemoryStream(data), multiplexed: true)), tail);
        using var read = new MemoryStream();
        await stdout.CopyToAsync(read);
        read.ToArray().Should().Equal(out1);
        tail.ToString().Should().Be("warning");
    }

    private static async Task<(byte[] Stdout, byte[] Stderr)> ReadAll(Stream source, int bufferSize)
    {
        using var stderr = new MemoryStream();
        await using var stdout = new StdoutStream(source, new OutputTail(), data => stderr.Write(data));
        using var output = new MemoryStream();
        var buffer = new byte[bufferSize];
        int read;
        while ((read = await stdout.ReadAsync(buffer, CancellationToken.None)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return (output.ToArray(), stderr.ToArray());
    }

    /// <summary>Memory that does not show its array, as a pipe or native buffer hands out.</summary>
    private sealed class HiddenArrayMemory(int length) : System.Buffers.MemoryManager<byte>
    {
        private readonly byte[] _hidden = new byte[length];

        public override Span<byte> GetSpan() => _hidden;

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin()
        {
        }

        protected override bool TryGetArray(out ArraySegment<byte> segment)
        {
            segment = default;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    /// <summary>
    /// A connection that ends (the engine's half-close) and, once <see cref="CloseWithInputUnread"/> is called, fails
    /// every read as a unix socket does when its peer closed it with bytes unread.
    /// </summary>
    private sealed class ResetAfterEndStream(byte[] data) : MemoryStream(data)
    {
        private bool _closed;

        public int ReadsAfterTheEnd { get; private set; }

        public void CloseWithInputUnread() => _closed = true;

        public override int Read(byte[] buffer, int offset, int count) => Check(base.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Check(await base.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Check(await base.ReadAsync(buffer, cancellationToken));

        private int Check(int read)
        {
            if (_closed)
            {
                ReadsAfterTheEnd++;
                throw new IOException("Unable to read data from the transport connection: Connection reset by peer.");
            }

            return read;
        }
    }
}
