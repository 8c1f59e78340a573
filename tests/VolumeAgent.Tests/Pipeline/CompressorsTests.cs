using VolumeAgent.Pipeline;

namespace VolumeAgent.Tests.Pipeline;

public sealed class CompressorsTests
{
    [Theory]
    [InlineData("Gzip", 6, ".gz")]
    [InlineData("Zstd", 3, ".zst")]
    [InlineData("None", 0, "")]
    public void Create_NoLevel_UsesFormatDefaultAndExtension(string kindName, int expectedLevel, string expectedExtension)
    {
        var kind = Enum.Parse<CompressionKind>(kindName);
        var compressor = Compressors.Create(kind, level: null, threads: 2);

        compressor.Kind.Should().Be(kind);
        compressor.Level.Should().Be(expectedLevel);
        compressor.FileExtension.Should().Be(expectedExtension);
    }

    [Theory]
    [InlineData("Gzip", 0)]
    [InlineData("Gzip", 10)]
    [InlineData("Zstd", 0)]
    [InlineData("Zstd", 20)]
    [InlineData("None", 1)]
    public void Create_LevelOutOfRange_ThrowsNamingTheRange(string kindName, int level)
    {
        var kind = Enum.Parse<CompressionKind>(kindName);
        var act = () => Compressors.Create(kind, level, threads: 2);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("level");
    }

    [Fact]
    public void Create_ZeroThreads_Throws()
    {
        var act = () => Compressors.Create(CompressionKind.Gzip, level: null, threads: 0);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData("volume-data.tar.gz", "Gzip")]
    [InlineData("db.sql.gz", "Gzip")]
    [InlineData("volume-data.tar.zst", "Zstd")]
    [InlineData("postgres-db-app.dump", "None")]
    [InlineData("volume-data.tar", "None")]
    public void KindFromFileName_KnownSuffix_ReturnsKind(string fileName, string expected) =>
        Compressors.KindFromFileName(fileName).Should().Be(Enum.Parse<CompressionKind>(expected));

    [Theory]
    [InlineData("Gzip")]
    [InlineData("Zstd")]
    [InlineData("None")]
    public async Task OpenRead_OutputOfCreate_RoundTrips(string kindName)
    {
        var kind = Enum.Parse<CompressionKind>(kindName);
        var original = GeneratedDataStream.ToArray(3_000_000, DataProfile.Mixed);
        using var compressed = new MemoryStream();
        await using (var writer = Compressors.Create(kind, level: null, threads: 2).Open(compressed, leaveOpen: true))
        {
            await writer.WriteAsync(original);
            await writer.CompleteAsync(CancellationToken.None);
        }

        compressed.Position = 0;
        await using var reader = Compressors.OpenRead(kind, compressed, leaveOpen: true);
        using var restored = new MemoryStream();
        await reader.CopyToAsync(restored);

        restored.ToArray().Should().Equal(original);
        compressed.CanRead.Should().BeTrue("leaveOpen keeps the compressed stream open");
    }
}
