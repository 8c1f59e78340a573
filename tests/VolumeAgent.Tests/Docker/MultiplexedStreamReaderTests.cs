using System.Text;
using VolumeAgent.Docker;

namespace VolumeAgent.Tests.Docker;

public sealed class MultiplexedStreamReaderTests
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
        var reader = new MultiplexedStreamReader(new MemoryStream(Frames.Build((Stdout, payload))));
        var buffer = new byte[64 * 1024];
        var total = 0;
        var maxChunk = 0;
        while (true)
        {
            var chunk = await reader.ReadAsync(buffer, CancellationToken.None);
            if (chunk.IsEnd)
            {
                break;
            }

            buffer.AsSpan(0, chunk.Count).SequenceEqual(payload.AsSpan(total, chunk.Count)).Should().BeTrue();
            total += chunk.Count;
            maxChunk = Math.Max(maxChunk, chunk.Count);
        }

        total.Should().Be(payload.Length);
        maxChunk.Should().BeLessThanOrEqualTo(buffer.Length);
    }

    [Fact]
    public async Task Read_StreamEndsInsidePayload_ThrowsEndOfStreamWithTheMissingCount()
    {
        var data = Frames.Build((Stdout, Frames.Bytes(100, 5)));
        var truncated = data[..50];

        var act = () => ReadAll(new MemoryStream(truncated), 64);

        (await act.Should().ThrowAsync<EndOfStreamException>()).WithMessage("*58 bytes of Stdout were missing*");
    }

    [Fact]
    public async Task Read_StreamEndsInsideHeader_ThrowsEndOfStream()
    {
        var data = Frames.Build((Stdout, Frames.Bytes(10, 6)), (Stderr, Frames.Bytes(10, 7)));

        var act = () => ReadAll(new MemoryStream(data[..21]), 64);

        (await act.Should().ThrowAsync<EndOfStreamException>()).WithMessage("*inside a frame header*");
    }

    [Fact]
    public async Task Read_EmptyStream_EndsAtOnce()
    {
        var (stdout, stderr) = await ReadAll(new MemoryStream([]), 64);

        stdout.Should().BeEmpty();
        stderr.Should().BeEmpty();
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

    private static async Task<(byte[] Stdout, byte[] Stderr)> ReadAll(Stream source, int bufferSize)
    {
        var reader = new MultiplexedStreamReader(source);
        var buffer = new byte[bufferSize];
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        while (true)
        {
            var chunk = await reader.ReadAsync(buffer, CancellationToken.None);
            if (chunk.IsEnd)
            {
                return (stdout.ToArray(), stderr.ToArray());
            }

            (chunk.Kind == OutputKind.Stdout ? stdout : stderr).Write(buffer, 0, chunk.Count);
        }
    }
}
