using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;
using VolumeAgent.Docker.Http;

namespace VolumeAgent.Tests.Docker;

/// <summary>VOLUME_AGENT_ENGINE_CLIENT chooses the engine client: the agent's own unless it says <c>library</c>.</summary>
public sealed class DockerEngineChoiceTests
{
    [Theory]
    [InlineData(null, typeof(DockerClient))]
    [InlineData("", typeof(DockerClient))]
    [InlineData("builtin", typeof(DockerClient))]
    [InlineData("library", typeof(LibraryEngine))]
    public async Task FromEnvironment_TheVariable_ChoosesTheClient(string? value, Type expected)
    {
        await using var engine = DockerEngine.FromEnvironment(Serilog.Core.Logger.None, name => name == DockerEngine.ClientVariable ? value : null);

        engine.Should().BeOfType(expected);
    }

    [Fact]
    public void FromEnvironment_AnotherValue_IsRefusedNamingTheVariable()
    {
        var open = () => DockerEngine.FromEnvironment(Serilog.Core.Logger.None, name => name == DockerEngine.ClientVariable ? "curl" : null);

        open.Should().Throw<ArgumentException>().WithMessage("*VOLUME_AGENT_ENGINE_CLIENT=curl*library*");
    }
}
