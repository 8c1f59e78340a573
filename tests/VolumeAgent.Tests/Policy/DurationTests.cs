using VolumeAgent.Policy;

namespace VolumeAgent.Tests.Policy;

public sealed class DurationTests
{
    public static TheoryData<string, TimeSpan> Valid => new()
    {
        { "0", TimeSpan.Zero },
        { "0s", TimeSpan.Zero },
        { "30s", TimeSpan.FromSeconds(30) },
        { "5m", TimeSpan.FromMinutes(5) },
        { "1h", TimeSpan.FromHours(1) },
        { "7d", TimeSpan.FromDays(7) },
        { "2w", TimeSpan.FromDays(14) },
        { "1h30m", TimeSpan.FromMinutes(90) },
        { "1d12h", TimeSpan.FromHours(36) },
        { "1w2d3h4m5s", new TimeSpan(9, 3, 4, 5) },
        { "90m", TimeSpan.FromMinutes(90) },
        { "0010s", TimeSpan.FromSeconds(10) },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void TryParse_ValidText_ReturnsTheDuration(string text, TimeSpan expected)
    {
        Duration.TryParse(text, out var value).Should().BeTrue();
        value.Should().Be(expected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("5")]
    [InlineData("m")]
    [InlineData("5x")]
    [InlineData("5M")]
    [InlineData("-5m")]
    [InlineData("1.5h")]
    [InlineData("5 m")]
    [InlineData(" 5m")]
    [InlineData("30m1h")]
    [InlineData("1h1h")]
    [InlineData("5ms")]
    [InlineData("1h30")]
    [InlineData("99999999999999999w")]
    [InlineData("9999999999999w")]
    public void TryParse_InvalidText_ReturnsFalse(string? text)
    {
        Duration.TryParse(text, out _).Should().BeFalse();
    }

    [Fact]
    public void Parse_InvalidText_ThrowsFormatExceptionExplainingTheNotation()
    {
        var act = () => Duration.Parse("soon");

        act.Should().Throw<FormatException>().WithMessage("'soon' is not a duration; use whole numbers with a unit*1h30m*");
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(59, "59s")]
    [InlineData(90 * 60, "1h30m")]
    [InlineData(14 * 86400, "14d")]
    [InlineData(86400 + 3600 + 60 + 1, "1d1h1m1s")]
    public void Format_WholeSeconds_GivesTextThatParsesBack(int seconds, string expected)
    {
        var value = TimeSpan.FromSeconds(seconds);

        var text = Duration.Format(value);

        text.Should().Be(expected);
        Duration.Parse(text).Should().Be(value);
    }

    [Fact]
    public void Format_SubSecondPart_IsDropped()
    {
        Duration.Format(TimeSpan.FromMilliseconds(1500)).Should().Be("1s");
    }
}
