using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Tests.Policy.Reading;

public sealed class KeySuggestionTests
{
    [Theory]
    [InlineData("shedule", "schedule")]
    [InlineData("scheduel", "schedule")]
    [InlineData("Schedule", "schedule")]
    [InlineData("stop-containers", "stop_containers")]
    [InlineData("retension", "retention")]
    [InlineData("keep_dialy", "keep_daily")]
    [InlineData("keep_days", "keep_daily")]
    [InlineData("sorces", "sources")]
    [InlineData("compresion_level", "compression_level")]
    public void Closest_SmallSlip_SuggestsTheIntendedKey(string typed, string expected)
    {
        KeySuggestion.Closest(typed, PolicyKeys.All).Should().Be(expected);
    }

    [Theory]
    [InlineData("colour")]
    [InlineData("backup_everything")]
    [InlineData("x")]
    public void Closest_NothingSimilar_SuggestsNothing(string typed)
    {
        KeySuggestion.Closest(typed, PolicyKeys.All).Should().BeNull();
    }
}
