using System.Text;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Tests.Pipeline.Tar;

namespace VolumeAgent.Tests.Control;

public sealed class ControlLineReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task ReadLineAsync_LinesSplitAcrossReads_ReturnsEachLineWhole(int maxRead)
    {
        var lines = new[] { "{\"a\":1}", string.Empty, new string('x', 9000), "last" };
        using var stream = new TrickleStream(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n")), maxRead);
        using var reader = new ControlLineReader(stream, 16 * 1024);

        var read = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            read.Add(Encoding.UTF8.GetString(line.Span));
        }

        read.Should().Equal(lines);
    }

    [Fact]
    public async Task ReadLineAsync_CarriageReturnBeforeNewline_IsDropped()
    {
        using var reader = new ControlLineReader(new MemoryStream("one\r\ntwo\n"u8.ToArray()), 100);

        Encoding.UTF8.GetString((await reader.ReadLineAsync(CancellationToken.None))!.Value.Span).Should().Be("one");
        Encoding.UTF8.GetString((await reader.ReadLineAsync(CancellationToken.None))!.Value.Span).Should().Be("two");
    }

    [Fact]
    public async Task ReadLineAsync_LineOfExactlyTheBound_IsAccepted()
    {
        using var reader = new ControlLineReader(new MemoryStream(Encoding.ASCII.GetBytes(new string('y', 64) + "\n")), 64);

        (await reader.ReadLineAsync(CancellationToken.None))!.Value.Length.Should().Be(64);
    }

    [Fact]
    public async Task ReadLineAsync_LineLongerThanTheBound_ThrowsProtocolError()
    {
        using var reader = new ControlLineReader(new MemoryStream(Encoding.ASCII.GetBytes(new string('y', 65) + "\n")), 64);

        var read = async () => await reader.ReadLineAsync(CancellationToken.None);

        (await read.Should().ThrowAsync<ControlProtocolException>()).WithMessage("*longer than 64 bytes*");
    }

    [Fact]
    public async Task ReadLineAsync_StreamEndsInsideALine_ThrowsProtocolError()
    {
        using var reader = new ControlLineReader(new MemoryStream("done\npartial"u8.ToArray()), 100);
        await reader.ReadLineAsync(CancellationToken.None);

        var read = async () => await reader.ReadLineAsync(CancellationToken.None);

        await read.Should().ThrowAsync<ControlProtocolException>().WithMessage("*middle of a control message*");
    }

    [Fact]
    public async Task ReadLineAsync_StreamEndsBetweenLines_ReturnsNull()
    {
        using var reader = new ControlLineReader(new MemoryStream("only\n"u8.ToArray()), 100);
        await reader.ReadLineAsync(CancellationToken.None);

        (await reader.ReadLineAsync(CancellationToken.None)).Should().BeNull();
    }
}
