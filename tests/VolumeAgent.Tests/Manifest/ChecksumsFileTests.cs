using VolumeAgent.Manifest.Sets;
using VolumeAgent.Restore;

namespace VolumeAgent.Tests.Manifest;

public sealed class ChecksumsFileTests
{
    private const string HashA = "9f2c1e0b6d3a4f5e8c7b2a1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f";
    private const string HashB = "4A7D1C0E9B8F2A3D6C5E4F7A0B1C2D3E8F9A6B5C4D7E0F1A2B3C8D9E6F5A4B7C";

    [Fact]
    public void Parse_Sha256sumOutput_TextAndBinaryLines_LowerCasesHashes()
    {
        var sums = ChecksumsFile.Parse($"{HashA}  volume-a.tar.gz\n{HashB} *postgres-db-app.dump\r\n\n");

        sums.Problems.Should().BeEmpty();
        sums.HashOf("volume-a.tar.gz").Should().Be(HashA);
        sums.HashOf("postgres-db-app.dump").Should().Be(HashB.ToLowerInvariant());
        sums.HashOf("other").Should().BeNull();
        sums.FileNames.Should().BeEquivalentTo("volume-a.tar.gz", "postgres-db-app.dump");
    }

    [Theory]
    [InlineData("not a checksum line", "line 1")]
    [InlineData("9f2c  short.tar.gz", "line 1")]
    [InlineData(HashA + "\tfile", "line 1")]
    [InlineData(HashA + "  a\n" + HashA + "  a", "twice (line 2)")]
    public void Parse_MalformedLines_AreProblemsNamingTheLine(string text, string problem) =>
        ChecksumsFile.Parse(text).Problems.Should().ContainSingle().Which.Should().Contain(problem);
}
