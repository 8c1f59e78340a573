using VolumeAgent.Pipeline.Tar;

namespace VolumeAgent.Tests.Pipeline.Tar;

public sealed class TarCorruptionTests
{
    [Theory]
    [InlineData("mid-content", "big.bin")]
    [InlineData("mid-header", "small.txt")]
    [InlineData("entry-boundary", "small.txt")]
    [InlineData("mid-long-name", "small.txt")]
    public async Task Read_TruncatedArchive_ThrowsTarFormatExceptionNamingEntryAndOffset(string cut, string expectedEntry)
    {
        var (archive, layout) = BuildArchive();
        var length = cut switch
        {
            "mid-content" => layout.BigContentStart + 1000,
            "mid-header" => layout.BigHeaderStart + 100,
            "entry-boundary" => layout.SmallEntryEnd,
            _ => layout.LongNameStart + 700,
        };

        var act = () => FilterAsync(archive[..length]);

        var error = (await act.Should().ThrowAsync<TarFormatException>()).Which;
        error.Offset.Should().Be(length);
        error.EntryName.Should().EndWith(expectedEntry);
        error.Message.Should().Contain("truncated").And.Contain(length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Read_HeaderByteFlipped_ThrowsChecksumErrorAtThatHeader()
    {
        var (archive, layout) = BuildArchive();
        archive[layout.SmallHeaderEnd - 512 + 3] ^= 0x20;

        var act = () => FilterAsync(archive);

        var error = (await act.Should().ThrowAsync<TarFormatException>()).Which;
        error.Offset.Should().Be(layout.SmallHeaderEnd - 512);
        error.Message.Should().Contain("checksum");
    }

    [Fact]
    public async Task Read_EmptyStream_ThrowsTarFormatException()
    {
        var act = () => FilterAsync([]);

        (await act.Should().ThrowAsync<TarFormatException>()).Which.Message.Should().Contain("empty");
    }

    [Fact]
    public async Task Read_NotATar_ThrowsTarFormatException()
    {
        var act = () => FilterAsync(GeneratedDataStream.ToArray(4096, DataProfile.Text));

        await act.Should().ThrowAsync<TarFormatException>();
    }

    [Fact]
    public async Task Pipeline_WithInspector_TruncatedArchiveFailsTheRun()
    {
        var (archive, layout) = BuildArchive();
        using var inspector = new TarInspector();
        var pipeline = new VolumeAgent.Pipeline.ArtifactPipeline(TimeProvider.System, threads: 2);

        var act = () => pipeline.RunAsync(
            new MemoryStream(archive[..(layout.BigContentStart + 10)]), new CountingNullStream(), VolumeAgent.Pipeline.CompressionKind.Gzip, null, inspector, CancellationToken.None);

        await act.Should().ThrowAsync<TarFormatException>();
    }

    private static async Task FilterAsync(byte[] archive)
    {
        await using var filter = new TarFilterStream(new MemoryStream(archive));
        await filter.CopyToAsync(Stream.Null);
    }

    /// <summary>small.txt (ustar), then big.bin under a GNU long name, then the end blocks.</summary>
    private static (byte[] Archive, Layout Layout) BuildArchive()
    {
        using var stream = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(stream, System.Formats.Tar.TarEntryFormat.Gnu, leaveOpen: true))
        {
            writer.WriteEntry(new System.Formats.Tar.GnuTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "./dir/small.txt") { DataStream = new MemoryStream("small\n"u8.ToArray()) });
            writer.WriteEntry(new System.Formats.Tar.GnuTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "./dir/" + new string('n', 120) + "/big.bin")
            {
                DataStream = new MemoryStream(GeneratedDataStream.ToArray(100_000, DataProfile.Random)),
            });
        }

        // Layout: [small header 512][small data 512][L header 512][L data 512][big header 512][big data ...]
        var layout = new Layout(SmallHeaderEnd: 512, SmallEntryEnd: 1024, LongNameStart: 1024, BigHeaderStart: 2048, BigContentStart: 2560);
        return (stream.ToArray(), layout);
    }

    private sealed record Layout(int SmallHeaderEnd, int SmallEntryEnd, int LongNameStart, int BigHeaderStart, int BigContentStart);
}
