using System.Net;
using System.Net.Sockets;

namespace VolumeAgent.Docker;

/// <summary>Where the engine listens: a unix socket (the default) or plain tcp, as DOCKER_HOST says.</summary>
/// <remarks>
/// Written by hand although the library resolves DOCKER_HOST too: this parse refuses what the agent cannot use (ssh,
/// npipe, a relative socket) at start with a message saying what is supported, and gives the unavailable message its
/// socket path to look at.
/// </remarks>
internal sealed class DockerEndpoint
{
    public const string DefaultSocketPath = "/var/run/docker.sock";

    private DockerEndpoint(string display, string? socketPath, DnsEndPoint? tcp)
    {
        Display = display;
        SocketPath = socketPath;
        Tcp = tcp;
    }

    /// <summary>The endpoint as a user would write it, for messages.</summary>
    public string Display { get; }

    public string? SocketPath { get; }

    public DnsEndPoint? Tcp { get; }

    public bool IsUnixSocket => SocketPath is not null;

    public static DockerEndpoint FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var host = environment("DOCKER_HOST");
        return string.IsNullOrWhiteSpace(host) ? Unix(DefaultSocketPath) : Parse(host);
    }

    public static DockerEndpoint Unix(string path) => new($"unix://{path}", path, null);

    public static DockerEndpoint Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        value = value.Trim();
        if (value.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = value["unix://".Length..];
            if (path.Length == 0 || path[0] != '/')
            {
                throw new ArgumentException($"DOCKER_HOST '{value}' needs an absolute socket path, e.g. unix:///var/run/docker.sock.");
            }

            return Unix(path);
        }

        if (value.StartsWith("tcp://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate("http://" + value["tcp://".Length..], UriKind.Absolute, out var uri) || uri.Port <= 0)
            {
                throw new ArgumentException($"DOCKER_HOST '{value}' is not of the form tcp://HOST:PORT.");
            }

            var port = uri.IsDefaultPort && !value.EndsWith(":80", StringComparison.Ordinal) ? 2375 : uri.Port;
            return new DockerEndpoint($"tcp://{uri.Host}:{port}", null, new DnsEndPoint(uri.Host, port));
        }

        throw new ArgumentException(
            $"DOCKER_HOST '{value}' is not supported: use unix:///path/to/docker.sock or tcp://HOST:PORT (plain, no TLS).");
    }

    public override string ToString() => Display;
}
