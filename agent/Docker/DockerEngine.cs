using Serilog;
using VolumeAgent.Docker.Engine;
using VolumeAgent.Docker.Http;

namespace VolumeAgent.Docker;

/// <summary>Opens the engine the agent talks to: the one place that chooses the engine client.</summary>
internal static class DockerEngine
{
    /// <summary>Chooses the client: <c>library</c> for Docker.DotNet.Enhanced (<see cref="LibraryEngine"/>); unset for the agent's own.</summary>
    public const string ClientVariable = "VOLUME_AGENT_ENGINE_CLIENT";

    /// <summary>
    /// The engine at DOCKER_HOST, else the default socket (see <see cref="DockerEndpoint.FromEnvironment"/>); nothing
    /// is asked of it yet. Throws <see cref="ArgumentException"/> for a DOCKER_HOST the agent cannot use.
    /// </summary>
    /// <remarks>
    /// The agent's own client (<c>Http/</c>) stays the default until the library's is as reliable: with the library's
    /// Unix transport, an exec's output connection that had been idle for about a minute (its container paused)
    /// came back "reset by peer" when the container ran again (StalledDatabaseTests, twice in CI), where the agent's
    /// own client reads on. <c>VOLUME_AGENT_ENGINE_CLIENT=library</c> selects the library's.
    /// </remarks>
    /// <param name="log">Where the engine reports what it cannot throw to a caller.</param>
    public static IDockerEngine FromEnvironment(ILogger log, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var endpoint = DockerEndpoint.FromEnvironment(environment);
        return environment(ClientVariable) switch
        {
            null or "" or "builtin" => new DockerClient(endpoint, log: log),
            "library" => new LibraryEngine(endpoint, log: log),
            var other => throw new ArgumentException($"{ClientVariable}={other} is not a client the agent has; use 'library', or leave it unset for the agent's own."),
        };
    }
}
