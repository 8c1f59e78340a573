using VolumeAgent.Docker;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// The agent's engine layer, for the tests whose subject it is (and only for them: see
/// <c>Architecture/EngineLayerReferenceTests</c>). Everything else, including how those tests check what it
/// did, goes through the library client <see cref="DockerFixture.Client"/>.
/// </summary>
public sealed partial class DockerFixture
{
    private readonly Lock _engineGate = new();

    /// <summary>The engine as the agent opens it (DOCKER_HOST or the default socket, its own API-version negotiation).</summary>
    internal IDockerEngine Engine
    {
        get
        {
            lock (_engineGate)
            {
                _engine ??= DockerEngine.FromEnvironment(Serilog.Core.Logger.None);
                return (IDockerEngine)_engine;
            }
        }
    }
}
