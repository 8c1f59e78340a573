using VolumeAgent.Control.Protocol;
using VolumeAgent.IO;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Control;

public sealed class ConfigIdentityTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Of_OneFileByTwoPaths_IsOneIdentityThatServesTheOther()
    {
        var root = RealPath.Of(_directory.Path);
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.WriteAllText(Path.Combine(root, "etc", "backup.yml"), "jobs: {}\n");
        Directory.CreateSymbolicLink(Path.Combine(root, "config"), "etc");

        var daemon = ConfigIdentity.Of(Path.Combine(root, "etc", "backup.yml"), Path.Combine(root, "state"));
        var client = ConfigIdentity.Of($"{root}/config/./backup.yml", $"{root}/etc/../state/");

        client.Should().Be(daemon);
        daemon.Serves(client).Should().BeTrue();
    }

    [Theory]
    [InlineData("/a/backup.yml", "/a/state", true)]
    [InlineData("/a/backup.yml", null, true)]
    [InlineData("/a/backup.yml", "/b/state", true)]
    [InlineData("/b/backup.yml", "/a/state", true)]
    [InlineData("/b/backup.yml", "/b/state", false)]
    [InlineData("/b/backup.yml", null, false)]
    [InlineData("/a/backup.yml.bak", "/a/state2", false)]
    public void Serves_SameFileOrSameStateDir_AndNothingElse(string config, string? stateDir, bool expected)
    {
        var daemon = new ConfigIdentity("/a/backup.yml", "/a/state");

        daemon.Serves(new ConfigIdentity(config, stateDir)).Should().Be(expected);
    }

    [Fact]
    public void ToString_NamesTheFileAndTheStateDirWhenKnown()
    {
        new ConfigIdentity("/a/backup.yml", "/a/state").ToString().Should().Be("/a/backup.yml (state_dir /a/state)");
        new ConfigIdentity("/a/backup.yml", null).ToString().Should().Be("/a/backup.yml");
    }
}
