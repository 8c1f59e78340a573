using VolumeAgent.Pipeline;
using VolumeAgent.Pipeline.Zstd;

namespace VolumeAgent.Tests.Pipeline;

public sealed class ZstdStreamTests
{
    private const string ZstdCli = "/usr/bin/zstd";

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(1_000_000, 0)]
    [InlineData(9_000_001, 2)]
    public async Task Write_AnySize_HostZstdDecompressesToOriginal(int size, int threads)
    {
        using var temp = new TempDirectory();
        var original = GeneratedDataStream.ToArray(size, DataProfile.Mixed);
        await CompressToFileAsync(original, temp.File("data.zst"), level: 3, threads);

        await HostTool.RunCheckedAsync(ZstdCli, ["-d", "-q", "-c", temp.File("data.zst")], stdoutFile: temp.File("data"));

        (await File.ReadAllBytesAsync(temp.File("data"))).Should().Equal(original);
    }

    [Fact]
    public async Task Write_ChecksumFlagSet_HostZstdTestPassesAndDetectsCorruption()
    {
        using var temp = new TempDirectory();
        var original = GeneratedDataStream.ToArray(2_000_000, DataProfile.Text);
        await CompressToFileAsync(original, temp.File("data.zst"), level: 3, threads: 2);
        await HostTool.RunCheckedAsync(ZstdCli, ["-t", "-q", temp.File("data.zst")]);

        var bytes = await File.ReadAllBytesAsync(temp.File("data.zst"));
        bytes[^2] ^= 0xFF;
        await File.WriteAllBytesAsync(temp.File("corrupt.zst"), bytes);
        var corrupt = await HostTool.RunAsync(ZstdCli, ["-t", "-q", temp.File("corrupt.zst")]);

        corrupt.ExitCode.Should().NotBe(0, "the frame carries a content checksum");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(19)]
    public async Task Reader_OutputOfHostZstd_ReturnsOriginal(int level)
    {
        using var temp = new TempDirectory();
        var original = GeneratedDataStream.ToArray(3_000_000, DataProfile.Mixed);
        await File.WriteAllBytesAsync(temp.File("data"), original);
        await HostTool.RunCheckedAsync(ZstdCli, [$"-{level}", "-q", "-c", temp.File("data")], stdoutFile: temp.File("data.zst"));

        var restored = await DecompressAsync(await File.ReadAllBytesAsync(temp.File("data.zst")));

        restored.Should().Equal(original);
    }

    [Fact]
    public async Task Reader_ConcatenatedFrames_ReturnsAllContent()
    {
        var first = GeneratedDataStream.ToArray(500_000, DataProfile.Text, seed: 1);
        var second = GeneratedDataStream.ToArray(700_000, DataProfile.Mixed, seed: 2);
        var compressed = (await CompressAsync(first)).Concat(await CompressAsync(second)).ToArray();

        var restored = await DecompressAsync(compressed);

        restored.Should().Equal(first.Concat(second));
    }

    [Fact]
    public async Task Reader_TruncatedFrame_ThrowsZstdException()
    {
        var compressed = await CompressAsync(GeneratedDataStream.ToArray(1_000_000, DataProfile.Random));

        var act = () => DecompressAsync(compressed[..(compressed.Length / 2)]);

        (await act.Should().ThrowAsync<ZstdException>()).Which.Message.Should().Contain("truncated");
    }

    [Fact]
    public async Task Reader_Garbage_ThrowsZstdExceptionWithLibraryReason()
    {
        var act = () => DecompressAsync("this is not zstd data at all"u8.ToArray());

        (await act.Should().ThrowAsync<ZstdException>()).Which.Message.Should().StartWith("zstd decompression failed:");
    }

    [Fact]
    public async Task Reader_SyncReadsOfOneByte_ReturnOriginal()
    {
        var original = GeneratedDataStream.ToArray(20_000, DataProfile.Text);
        var compressed = await CompressAsync(original);
        using var reader = new ZstdDecompressStream(new MemoryStream(compressed));
        var restored = new List<byte>();
        int value;
        while ((value = reader.ReadByte()) >= 0)
        {
            restored.Add((byte)value);
        }

        restored.Should().Equal(original);
    }

    [Fact]
    public async Task Write_HigherLevel_IsSmallerOnText()
    {
        var original = GeneratedDataStream.ToArray(4_000_000, DataProfile.Text);

        var fast = await CompressAsync(original, level: 1);
        var strong = await CompressAsync(original, level: 19);

        strong.Length.Should().BeLessThan(fast.Length, "the level reaches the library");
    }

    [Fact]
    public async Task Abort_ThenDispose_WritesNoFrameEnd()
    {
        using var output = new MemoryStream();
        var zstd = new ZstdCompressStream(output, 3, 0, leaveOpen: true);
        await zstd.WriteAsync(new byte[100]);

        zstd.Abort();
        await zstd.DisposeAsync();

        output.Length.Should().Be(0, "a single-threaded context holds 100 bytes until the frame ends");
    }

    [Fact]
    public async Task Reader_EmptyInput_ThrowsZstdExceptionAsHostZstdDoes()
    {
        var act = () => DecompressAsync([]);

        (await act.Should().ThrowAsync<ZstdException>()).Which.Message.Should().Contain("empty");
    }

    private static async Task CompressToFileAsync(byte[] data, string file, int level, int threads)
    {
        await using var output = File.Create(file);
        await using var zstd = new ZstdCompressStream(output, level, threads, leaveOpen: true);
        await zstd.WriteAsync(data);
        await zstd.CompleteAsync(CancellationToken.None);
    }

    private static async Task<byte[]> CompressAsync(byte[] data, int level = 3)
    {
        using var output = new MemoryStream();
        await using (var zstd = new ZstdCompressStream(output, level, threads: 2, leaveOpen: true))
        {
            await zstd.WriteAsync(data);
        }

        return output.ToArray();
    }

    private static async Task<byte[]> DecompressAsync(byte[] compressed)
    {
        await using var reader = Compressors.OpenRead(CompressionKind.Zstd, new MemoryStream(compressed));
        using var restored = new MemoryStream();
        await reader.CopyToAsync(restored);
        return restored.ToArray();
    }
}
