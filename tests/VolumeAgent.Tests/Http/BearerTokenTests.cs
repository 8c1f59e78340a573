using VolumeAgent.Http;
using VolumeAgent.Policy;

namespace VolumeAgent.Tests.Http;

public sealed class BearerTokenTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private readonly BearerToken _token = new(new Secret(Token));

    [Theory]
    [InlineData("Bearer " + Token, true)]
    [InlineData("bearer " + Token, true)]
    [InlineData("Bearer  " + Token + " ", true)]
    [InlineData("Bearer " + Token + "0", false)]
    [InlineData("Bearer " + "0123456789abcdef0123456789abcdeF", false)]
    [InlineData("Bearer 0123456789abcdef", false)]
    [InlineData("Bearer ", false)]
    [InlineData("Basic " + Token, false)]
    [InlineData(Token, false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void MatchesHeader_OnlyTheExactTokenAfterBearer(string? header, bool expected) =>
        _token.MatchesHeader(header).Should().Be(expected);

    [Fact]
    public void Matches_LongCandidate_IsComparedNotThrown() =>
        _token.Matches(new string('x', 10_000)).Should().BeFalse();

    [Theory]
    [InlineData("Health", false, true)]
    [InlineData("Metrics", false, false)]
    [InlineData("Metrics", true, true)]
    [InlineData("StatusPage", true, false)]
    [InlineData("Status", true, false)]
    [InlineData("JobSets", true, false)]
    [InlineData("StartRun", true, false)]
    [InlineData("Run", true, false)]
    public void IsOpen_OnlyHealthzAndPublicMetrics(string route, bool metricsPublic, bool open) =>
        BearerToken.IsOpen(Enum.Parse<HttpRouteKind>(route), metricsPublic).Should().Be(open);
}
