using Serilog;
using VolumeAgent.Docker.Engine;

namespace VolumeAgent.Docker;

/// <summary>Opens the default engine alone, for code that needs no other (backup.yml's engines are opened by name through <see cref="Engines.EngineRegistry"/>).</summary>
internal static class DockerEngine
{
    /// <summary>
    /// The engine at DOCKER_HOST, else the default socket (see <see cref="DockerEndpoint.FromEnvironment"/>), through
    /// Docker.DotNet.Enhanced (<see cref="LibraryEngine"/>); nothing is asked of it yet. Throws
    /// <see cref="ArgumentException"/> for a DOCKER_HOST the agent cannot use.
    /// </summary>
    /// <param name="log">Where the engine reports what it cannot throw to a caller.</param>
    public static IDockerEngine FromEnvironment(ILogger log, Func<string, string?>? environment = null) =>
        new LibraryEngine(DockerEndpoint.FromEnvironment(environment ?? Environment.GetEnvironmentVariable), log: log);
}
