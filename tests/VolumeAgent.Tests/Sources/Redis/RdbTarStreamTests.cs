using System.Formats.Tar;
using VolumeAgent.Sources.Redis;
using VolumeAgent.Tests.Docker;

namespace VolumeAgent.Tests.Sources.Redis;

/// <summary>The one-file tar that carries dump.rdb into a container, read back by .NET's own tar reader.</summary>
public sealed class RdbTarStreamTests
{
    private static readonly DateTimeOffset Modified = new(2026, 3, 21, 2, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 4096)]
    [InlineData(1, 1)]
    [InlineData(511, 100)]
    [InlineData(512, 512)]
    [InlineData(70000, 3000)]
    public async Task Read_AnyContentAndReadSize_IsATarOfThatOneFile(int length, int readSize)
    {
        var content = new byte[length];
        new Random(length).NextBytes(content);
        var tar = new RdbTarStream(new ChunkedReadStream(content, readSize), length, "dump.rdb", 999, 998, Convert.ToInt32("644", 8), Modified);

        var archive = await ReadAllAsync(tar, readSize);

        ((long)archive.Length).Should().Be(tar.ArchiveLength);
        (archive.Length % 512).Should().Be(0);
        using var reader = new TarReader(new MemoryStream(archive));
        var entry = reader.GetNextEntry(copyData: true)!;
        entry.Name.Should().Be("dump.rdb");
        entry.EntryType.Should().Be(TarEntryType.RegularFile);
        entry.Uid.Should().Be(999);
        entry.Gid.Should().Be(998);
        entry.Mode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        entry.ModificationTime.Should().Be(Modified);
        entry.Length.Should().Be(length);
        using var data = new MemoryStream();
        entry.DataStream?.CopyTo(data);
        data.ToArray().Should().Equal(content);
        reader.GetNextEntry().Should().BeNull();
    }

    [Fact]
    public async Task Read_ContentShorterThanSaid_Throws()
    {
        var tar = new RdbTarStream(new MemoryStream(new byte[100]), 200, "dump.rdb", 0, 0, 420, Modified);

        var read = async () => await ReadAllAsync(tar, 4096);

        (await read.Should().ThrowAsync<InvalidDataException>()).WithMessage("The snapshot ended after 100 bytes, but the manifest says it has 200.");
    }

    [Fact]
    public async Task Read_ContentLongerThanSaid_Throws()
    {
        var tar = new RdbTarStream(new MemoryStream(new byte[300]), 200, "dump.rdb", 0, 0, 420, Modified);

        var read = async () => await ReadAllAsync(tar, 4096);

        (await read.Should().ThrowAsync<InvalidDataException>()).WithMessage("The snapshot is longer than the 200 bytes the manifest says it has.");
    }

    [Fact]
    public void Header_SizeOver8GiB_IsWrittenInBase256()
    {
        const long size = 9L * 1024 * 1024 * 1024;
        var tar = new RdbTarStream(new MemoryStream(), size, "dump.rdb", 0, 0, 420, Modified);
        var header = new byte[512];
        tar.ReadExactly(header);

        using var reader = new TarReader(new ChunkedReadStream(header));
        var entry = reader.GetNextEntry(copyData: false)!;

        header[124].Should().Be(0x80);
        entry.Length.Should().Be(size);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, int readSize)
    {
        using var output = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }
}
