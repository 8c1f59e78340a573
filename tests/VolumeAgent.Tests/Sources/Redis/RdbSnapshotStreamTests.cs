using VolumeAgent.Sources.Redis;
using VolumeAgent.Tests.Docker;

namespace VolumeAgent.Tests.Sources.Redis;

/// <summary>redis-cli --rdb - output turned into the RDB file: the end-of-transfer mark dropped only when it is one.</summary>
public sealed class RdbSnapshotStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(39)]
    [InlineData(40)]
    [InlineData(41)]
    [InlineData(100)]
    [InlineData(65536)]
    public async Task Read_DisklessOutput_GivesTheFileWithoutTheMark(int readSize)
    {
        var (output, stream) = await ReadAllAsync(RdbSamples.MixedDiskless, readSize);

        output.Should().Equal(RdbCheckTests.MixedFile);
        stream.MarkDropped.Should().BeTrue();
        stream.Verdict!.IsSound.Should().BeTrue();
        stream.BytesPassed.Should().Be(RdbCheckTests.MixedFile.Length);
    }

    [Fact]
    public async Task Read_EmptyServerDiskless_GivesTheFileWithoutTheMark()
    {
        var (output, stream) = await ReadAllAsync(RdbSamples.EmptyDiskless, 4096);

        output.Should().Equal(RdbSamples.EmptyDiskless[..^RdbSnapshotStream.EofMarkLength]);
        stream.Verdict!.IsSound.Should().BeTrue();
    }

    [Theory]
    [InlineData(3)]
    [InlineData(64)]
    [InlineData(65536)]
    public async Task Read_DiskBasedOutput_PassesEveryByte(int readSize)
    {
        var (output, stream) = await ReadAllAsync(RdbSamples.OneKeyDiskBased, readSize);

        output.Should().Equal(RdbSamples.OneKeyDiskBased);
        stream.MarkDropped.Should().BeFalse();
        stream.Verdict!.IsSound.Should().BeTrue();
    }

    [Fact]
    public async Task Read_DamagedSnapshotBeforeTheMark_KeepsEveryByteAndIsUnsound()
    {
        var damaged = RdbSamples.MixedDiskless.ToArray();
        damaged[200] ^= 0x40;

        var (output, stream) = await ReadAllAsync(damaged, 128);

        output.Should().Equal(damaged, "nothing that is not a proven mark is dropped");
        stream.MarkDropped.Should().BeFalse();
        stream.Verdict!.IsSound.Should().BeFalse();
    }

    [Fact]
    public async Task Read_OutputCutOff_IsUnsound()
    {
        var (_, stream) = await ReadAllAsync(RdbSamples.MixedDiskless[..300], 50);

        stream.Verdict!.IsSound.Should().BeFalse();
    }

    [Fact]
    public async Task Verdict_BeforeTheEnd_IsNull()
    {
        await using var stream = new RdbSnapshotStream(new ChunkedReadStream(RdbSamples.MixedDiskless, 10));
        var buffer = new byte[10];
        (await stream.ReadAsync(buffer)).Should().BePositive();

        stream.Verdict.Should().BeNull();
    }

    private static async Task<(byte[] Output, RdbSnapshotStream Stream)> ReadAllAsync(byte[] input, int readSize)
    {
        var stream = new RdbSnapshotStream(new ChunkedReadStream(input, readSize));
        using var output = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return (output.ToArray(), stream);
    }
}
