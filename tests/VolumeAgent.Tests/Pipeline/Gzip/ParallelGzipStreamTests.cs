using System.IO.Compression;
using VolumeAgent.Pipeline.Gzip;

namespace VolumeAgent.Tests.Pipeline.Gzip;

public sealed class ParallelGzipStreamTests
{
    private const int Chunk = ParallelGzipStream.DefaultChunkSize;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData((5 * Chunk) + 12345)]
    public async Task Write_AnySize_HostGunzipRestoresOriginal(int size)
    {
        using var temp = new TempDirectory();
        var original = GeneratedDataStream.ToArray(size, DataProfile.Mixed);
        await CompressToFileAsync(original, temp.File("data.gz"), threads: 2);

        await HostTool.RunCheckedAsync("/usr/bin/gunzip", ["-c", temp.File("data.gz")], stdoutFile: temp.File("data"));

        (await File.ReadAllBytesAsync(temp.File("data"))).Should().Equal(original);
    }

    [Fact]
    public async Task Write_SeveralChunks_IsMultiMemberGzipThatGzipTestAndDotNetAccept()
    {
        using var temp = new TempDirectory();
        var original = GeneratedDataStream.ToArray((3 * Chunk) + 100, DataProfile.Text);
        await CompressToFileAsync(original, temp.File("data.gz"), threads: 2);

        var compressed = await File.ReadAllBytesAsync(temp.File("data.gz"));
        CountGzipMembers(compressed).Should().Be(4);
        await HostTool.RunCheckedAsync("/usr/bin/gzip", ["-t", temp.File("data.gz")]);

        await using var reader = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var restored = new MemoryStream();
        await reader.CopyToAsync(restored);
        restored.ToArray().Should().Equal(original);
    }

    [Fact]
    public async Task Write_TextLikeData_RatioWithinThreePercentOfGzip6()
    {
        using var temp = new TempDirectory();
        var original = GeneratedDataStream.ToArray(32 * 1024 * 1024, DataProfile.Text);
        await File.WriteAllBytesAsync(temp.File("data"), original);
        await CompressToFileAsync(original, temp.File("parallel.gz"), threads: 2);

        await HostTool.RunCheckedAsync("/usr/bin/gzip", ["-6", "-c", temp.File("data")], stdoutFile: temp.File("reference.gz"));

        var parallel = new FileInfo(temp.File("parallel.gz")).Length;
        var reference = new FileInfo(temp.File("reference.gz")).Length;
        reference.Should().BeLessThan(original.Length / 2, "the generated text must be compressible for the comparison to mean anything");
        ((double)parallel / reference).Should().BeLessThan(1.03);
    }

    [Fact]
    public async Task Write_DifferentThreadCounts_ProduceIdenticalBytes()
    {
        var original = GeneratedDataStream.ToArray((4 * Chunk) + 777, DataProfile.Mixed);

        var one = await CompressAsync(original, threads: 1);
        var four = await CompressAsync(original, threads: 4);

        four.Should().Equal(one, "members are independent and written in input order");
    }

    [Fact]
    public async Task Write_ManySmallWrites_SameBytesAsOneWrite()
    {
        var original = GeneratedDataStream.ToArray((2 * Chunk) + 5, DataProfile.Text);
        using var output = new MemoryStream();
        await using (var gzip = new ParallelGzipStream(output, 6, 2, leaveOpen: true))
        {
            for (var offset = 0; offset < original.Length; offset += 1000)
            {
                gzip.Write(original.AsSpan(offset, Math.Min(1000, original.Length - offset)));
            }
        }

        output.ToArray().Should().Equal(await CompressAsync(original, threads: 2));
    }

    [Fact]
    public async Task CompleteAsync_ThenWrite_ThrowsInvalidOperation()
    {
        using var output = new MemoryStream();
        await using var gzip = new ParallelGzipStream(output, 6, 2, leaveOpen: true);
        await gzip.CompleteAsync(CancellationToken.None);

        var act = async () => await gzip.WriteAsync(new byte[10]);

        await act.Should().ThrowAsync<InvalidOperationException>();
    }

    [Fact]
    public async Task Abort_ThenDispose_WritesNothingMore()
    {
        using var output = new MemoryStream();
        var gzip = new ParallelGzipStream(output, 6, 2, leaveOpen: true);
        await gzip.WriteAsync(new byte[1000]);

        gzip.Abort();
        await gzip.DisposeAsync();

        output.Length.Should().Be(0);
    }

    [Fact]
    public async Task Dispose_WithoutLeaveOpen_DisposesOutput()
    {
        var output = new MemoryStream();
        var gzip = new ParallelGzipStream(output, 6, 2);
        await gzip.WriteAsync(new byte[10]);

        await gzip.DisposeAsync();

        output.CanWrite.Should().BeFalse();
    }

    internal static int CountGzipMembers(byte[] compressed)
    {
        // A member as GZipStream writes it starts with 1f 8b 08, flags 0 and mtime 0; the same eight bytes
        // inside deflate data are too unlikely to matter at these sizes.
        var count = 0;
        ReadOnlySpan<byte> marker = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00];
        var span = compressed.AsSpan();
        var at = 0;
        int found;
        while ((found = span[at..].IndexOf(marker)) >= 0)
        {
            count++;
            at += found + marker.Length;
        }

        return count;
    }

    private static async Task CompressToFileAsync(byte[] data, string file, int threads)
    {
        await using var output = File.Create(file);
        await using var gzip = new ParallelGzipStream(output, 6, threads, leaveOpen: true);
        await gzip.WriteAsync(data);
        await gzip.CompleteAsync(CancellationToken.None);
    }

    private static async Task<byte[]> CompressAsync(byte[] data, int threads)
    {
        using var output = new MemoryStream();
        await using (var gzip = new ParallelGzipStream(output, 6, threads, leaveOpen: true))
        {
            await gzip.WriteAsync(data);
        }

        return output.ToArray();
    }
}
