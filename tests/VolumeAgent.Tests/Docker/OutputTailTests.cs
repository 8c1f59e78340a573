using System.Text;
using VolumeAgent.Docker;

namespace VolumeAgent.Tests.Docker;

public sealed class OutputTailTests
{
    [Fact]
    public void ToString_ShortOutput_ReturnsAllOfItTrimmed()
    {
        var tail = new OutputTail(64);
        tail.Append(Encoding.UTF8.GetBytes("pg_dump: error: "));
        tail.Append(Encoding.UTF8.GetBytes("connection failed\n"));

        tail.ToString().Should().Be("pg_dump: error: connection failed");
        tail.TotalBytes.Should().Be(34);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1000)]
    public void ToString_LongOutputInPieces_KeepsExactlyTheLastBytes(int pieceSize)
    {
        var text = string.Concat(Enumerable.Range(0, 500).Select(i => $"{i:D4}|"));
        var bytes = Encoding.ASCII.GetBytes(text);
        var tail = new OutputTail(100);
        for (var i = 0; i < bytes.Length; i += pieceSize)
        {
            tail.Append(bytes.AsSpan(i, Math.Min(pieceSize, bytes.Length - i)));
        }

        tail.ToString().Should().Be("…" + text[^100..]);
    }
}
