using Docker.DotNet;
using Docker.DotNet.Unix;

namespace VolumeAgent.IntegrationTests.Fixtures.Client;

/// <summary>
/// The tests' own engine client: Docker.DotNet.Enhanced over its Unix transport (its NativeHttp transport cannot
/// carry hijacked streams), independent of the agent's engine layer, so that a bug there cannot hide itself in
/// the set-up, inspection or clean-up of a test. The library does not negotiate the API version: the client is
/// pinned to DOCKER_API_VERSION when set (tests/run.sh sets 1.41), else to the version the engine reports.
/// </summary>
internal static class TestDockerClient
{
    public const string ApiVersionVariable = "DOCKER_API_VERSION";

    /// <summary>A client pinned to the API version to use with this engine.</summary>
    public static async Task<DockerClient> CreateAsync(CancellationToken cancellationToken)
    {
        var pinned = Environment.GetEnvironmentVariable(ApiVersionVariable);
        if (!string.IsNullOrWhiteSpace(pinned))
        {
            return Build(Version.Parse(pinned));
        }

        // Unversioned requests are answered in the engine's own version: ask it, then pin that.
        using var probe = Build(null);
        var version = await probe.System.GetVersionAsync(cancellationToken);
        return Build(Version.Parse(version.APIVersion));
    }

    private static DockerClient Build(Version? apiVersion)
    {
        var builder = new DockerClientBuilder();
        if (apiVersion is not null)
        {
            builder = builder.WithApiVersion(apiVersion);
        }

        // DOCKER_HOST (else the docker context, else the default socket) is resolved by the library.
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        return string.IsNullOrEmpty(host) || host.StartsWith("unix://", StringComparison.Ordinal)
            ? builder.WithTransportOptions(new UnixSocketTransportOptions()).Build()
            : builder.Build();
    }
}
