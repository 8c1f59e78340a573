using VolumeAgent.Control.Protocol;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Control;

public sealed class ControlEndpointTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ForDaemon_PathFromTheEnvironment_IsUsedAndItsFolderMade()
    {
        var path = _directory.Combine("run", "agent.sock");

        var chosen = ControlEndpoint.ForDaemon("/var/lib/volume-agent", Env(path));

        chosen.Should().Be(path);
        Directory.Exists(_directory.Combine("run")).Should().BeTrue();
    }

    [Fact]
    public void ForDaemon_PathLongerThanAUnixSocketAllows_FailsNamingTheVariable()
    {
        var path = "/" + new string('a', 120) + "/control.sock";

        var choose = () => ControlEndpoint.ForDaemon("/var/lib/volume-agent", Env(path));

        choose.Should().Throw<InvalidOperationException>().WithMessage($"*longer than the 107 bytes*${ControlEndpoint.EnvironmentVariable}*");
    }

    [Fact]
    public void ForClient_NothingConfigured_TriesTheStateDirectoryThenTheDefault()
    {
        ControlEndpoint.ForClient("/state", Env(null)).Should().Equal("/state/control.sock", ControlEndpoint.DefaultPath);
        ControlEndpoint.ForClient(null, Env(null)).Should().Equal(ControlEndpoint.DefaultPath);
    }

    [Fact]
    public void ForClient_Configured_TriesOnlyThatPath()
    {
        ControlEndpoint.ForClient("/state", Env("/tmp/x.sock")).Should().Equal("/tmp/x.sock");
        ControlEndpoint.Configured(Env("/tmp/x.sock")).Should().Be("/tmp/x.sock");
        ControlEndpoint.Configured(Env(" ")).Should().BeNull();
    }

    private static Func<string, string?> Env(string? value) =>
        name => name == ControlEndpoint.EnvironmentVariable ? value : null;
}
