using System.Net;
using VolumeAgent.Docker.Engine.Remote;

namespace VolumeAgent.Docker;

/// <summary>
/// Where the engine listens, as the docker CLI reads it from the environment: a unix socket (the default), tcp (plain,
/// or TLS with <c>DOCKER_TLS_VERIFY</c> / <c>DOCKER_TLS</c> and the certificates in <c>DOCKER_CERT_PATH</c>), or
/// <c>ssh://[user@]host[:port]</c>.
/// </summary>
/// <remarks>
/// Written by hand although the library resolves DOCKER_HOST too: this parse refuses what the agent cannot use (npipe,
/// a relative socket) at start with a message saying what is supported, and gives the messages what to name.
/// </remarks>
internal sealed class DockerEndpoint
{
    public const string DefaultSocketPath = "/var/run/docker.sock";

    private DockerEndpoint(string display, string? socketPath, DnsEndPoint? tcp, EngineTls? tls = null, SshTarget? ssh = null)
    {
        Display = display;
        SocketPath = socketPath;
        Tcp = tcp;
        Tls = tls;
        Ssh = ssh;
    }

    /// <summary>The endpoint as a user would write it, for messages (never a secret: there is none in it).</summary>
    public string Display { get; }

    public string? SocketPath { get; }

    /// <summary>The host and port of a tcp endpoint, plain or TLS.</summary>
    public DnsEndPoint? Tcp { get; }

    /// <summary>The TLS settings of a tcp endpoint reached over TLS; null for plain tcp, a socket or ssh.</summary>
    public EngineTls? Tls { get; }

    /// <summary>The host of an <c>ssh://</c> endpoint.</summary>
    public SshTarget? Ssh { get; }

    public bool IsUnixSocket => SocketPath is not null;

    /// <summary>The endpoint and how it is reached, for <c>engine</c> and <c>validate</c>: file paths, never their contents.</summary>
    public string Description => (Tls, Ssh) switch
    {
        ({ } tls, _) => $"{Display} ({tls.Description})",
        (_, { } ssh) => $"{Display} (the system ssh client, then `docker system dial-stdio` on {ssh.Host})",
        _ => Display,
    };

    /// <summary>
    /// The endpoint the docker CLI would use with this environment: DOCKER_HOST (else the default socket), over TLS
    /// when DOCKER_TLS_VERIFY or DOCKER_TLS is set (non-empty, as the CLI reads them), with the certificates in
    /// DOCKER_CERT_PATH (else ~/.docker); like the CLI, a socket or ssh endpoint ignores the TLS variables. Throws <see cref="ArgumentException"/> for a value the agent cannot use.
    /// </summary>
    public static DockerEndpoint FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var host = environment("DOCKER_HOST");
        var verify = !string.IsNullOrEmpty(environment("DOCKER_TLS_VERIFY"));
        var tls = verify || !string.IsNullOrEmpty(environment("DOCKER_TLS"));
        if (string.IsNullOrWhiteSpace(host))
        {
            return Unix(DefaultSocketPath);
        }

        var tcp = host.TrimStart().StartsWith("tcp://", StringComparison.Ordinal);
        return Parse(host, tls && tcp ? EngineTls.FromEnvironment(verify, environment) : null);
    }

    public static DockerEndpoint Unix(string path) => new($"unix://{path}", path, null);

    /// <summary>Parses a DOCKER_HOST value; <paramref name="tls"/> applies to a tcp endpoint only.</summary>
    public static DockerEndpoint Parse(string value, EngineTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        value = value.Trim();
        if (value.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = value["unix://".Length..];
            if (path.Length == 0 || path[0] != '/')
            {
                throw new DockerHostException($"DOCKER_HOST '{value}' needs an absolute socket path, e.g. unix:///var/run/docker.sock.");
            }

            return Unix(path);
        }

        if (value.StartsWith("tcp://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate("http://" + value["tcp://".Length..], UriKind.Absolute, out var uri) || uri.Port <= 0
                || uri.AbsolutePath != "/" || uri.UserInfo.Length > 0)
            {
                throw new DockerHostException($"DOCKER_HOST '{value}' is not of the form tcp://HOST:PORT.");
            }

            // As the docker CLI: without a port, 2376 over TLS and 2375 without.
            var port = uri.IsDefaultPort && !value.EndsWith(":80", StringComparison.Ordinal) ? (tls is null ? 2375 : 2376) : uri.Port;
            return new DockerEndpoint($"tcp://{uri.Host}:{port}", null, new DnsEndPoint(uri.Host, port), tls);
        }

        if (value.StartsWith("ssh://", StringComparison.Ordinal))
        {
            var ssh = SshTarget.Parse(value);
            return new DockerEndpoint(ssh.Display, null, null, ssh: ssh);
        }

        throw new DockerHostException(
            $"DOCKER_HOST '{value}' is not supported: use unix:///path/to/docker.sock, tcp://HOST:PORT (with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH for TLS), or ssh://USER@HOST.");
    }

    public override string ToString() => Display;
}
