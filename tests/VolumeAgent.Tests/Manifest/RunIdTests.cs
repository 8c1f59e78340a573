using System.Text.Json;
using VolumeAgent.Manifest;

namespace VolumeAgent.Tests.Manifest;

public sealed class RunIdTests
{
    [Fact]
    public void New_ProducesEightLowercaseHexCharactersThatParseBack()
    {
        for (var i = 0; i < 200; i++)
        {
            var text = RunId.New().ToString();

            text.Should().MatchRegex("^[0-9a-f]{8}$");
            RunId.Parse(text).ToString().Should().Be(text);
        }
    }

    [Fact]
    public void New_CalledRepeatedly_ReturnsDifferentIds()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => RunId.New()).ToHashSet();

        // 1000 draws from 2^32 values collide with probability ~1e-4; all-equal would mean no randomness.
        ids.Count.Should().BeGreaterThan(990);
    }

    [Theory]
    [InlineData("00000000")]
    [InlineData("0a1b2c3d")]
    [InlineData("ffffffff")]
    public void Parse_CanonicalText_RoundTrips(string text)
    {
        RunId.Parse(text).ToString().Should().Be(text);
        RunId.TryParse(text, out var id).Should().BeTrue();
        id.Should().Be(RunId.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0a1b2c3")]
    [InlineData("0a1b2c3d4")]
    [InlineData("0A1B2C3D")]
    [InlineData("0x1b2c3d")]
    [InlineData("0a1b2c3g")]
    [InlineData(" a1b2c3d")]
    [InlineData("+a1b2c3d")]
    public void TryParse_NonCanonicalText_Fails(string text)
    {
        RunId.TryParse(text, out _).Should().BeFalse();
        var parse = () => RunId.Parse(text);
        parse.Should().Throw<FormatException>().WithMessage("*8 lowercase hex*");
    }

    [Fact]
    public void TryParse_Null_Fails()
    {
        RunId.TryParse((string?)null, out _).Should().BeFalse();
    }

    [Fact]
    public void Json_RunId_IsWrittenAsItsTextAndReadBack()
    {
        var id = RunId.Parse("deadbeef");

        var json = JsonSerializer.Serialize(id, ManifestJsonContext.Default.RunId);

        json.Should().Be("\"deadbeef\"");
        JsonSerializer.Deserialize(json, ManifestJsonContext.Default.RunId).Should().Be(id);
    }

    [Theory]
    [InlineData("\"DEADBEEF\"")]
    [InlineData("12345678")]
    [InlineData("\"dead\"")]
    public void Json_InvalidRunId_IsRejected(string json)
    {
        var read = () => JsonSerializer.Deserialize(json, ManifestJsonContext.Default.RunId);

        read.Should().Throw<JsonException>();
    }
}
