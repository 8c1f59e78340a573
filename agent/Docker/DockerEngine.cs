using Serilog;
using VolumeAgent.Docker.Engine;

namespace VolumeAgent.Docker;

/// <summary>Opens the engine the agent talks to: the one place that makes the engine client.</summary>
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
