using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// Opens one connection to an <c>ssh://</c> endpoint the docker CLI's way: the system's <c>ssh</c> client runs
/// <c>docker system dial-stdio</c> on the remote host, and its stdin/stdout are the connection (one process per
/// connection, as the library opens one per request). The system client rather than SSH.NET because it is what the
/// docker CLI uses, so a host that works with <c>docker -H ssh://…</c> works here: ~/.ssh/config (ProxyJump, ports,
/// IdentityFile), known_hosts, ssh-agent, every key and host-key format; and half-closing stdin is plain EOF, which
/// dial-stdio turns into the socket's half-close that an exec's stdin needs. Host keys are never accepted unasked
/// (StrictHostKeyChecking=yes) and nothing is prompted for (BatchMode=yes).
/// </summary>
internal sealed class SshConnector
{
    /// <summary>An ssh_config file used instead of ~/.ssh/config (passed with <c>-F</c>).</summary>
    public const string ConfigVariable = "VOLUME_AGENT_SSH_CONFIG";

    private readonly DockerEndpoint _endpoint;
    private readonly SshTarget _target;
    private readonly string? _configFile;

    public SshConnector(DockerEndpoint endpoint, Func<string, string?> environment)
    {
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _target = endpoint.Ssh ?? throw new ArgumentException($"{endpoint.Display} is not an ssh endpoint.", nameof(endpoint));
        ArgumentNullException.ThrowIfNull(environment);
        _configFile = environment(ConfigVariable) is { Length: > 0 } file ? file : null;
    }

    /// <summary>The ssh command line (no secret is on it: keys are files or the agent's).</summary>
    public IReadOnlyList<string> Arguments()
    {
        List<string> arguments = [];
        if (_configFile is not null)
        {
            arguments.AddRange(["-F", _configFile]);
        }

        arguments.AddRange(["-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=30", "-o", "ServerAliveInterval=30"]);
        if (_target.User is { } user)
        {
            arguments.AddRange(["-l", user]);
        }

        if (_target.Port is { } port)
        {
            arguments.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        }

        arguments.AddRange(["--", _target.Host, "docker", "system", "dial-stdio"]);
        return arguments;
    }

    public Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_configFile is not null && !File.Exists(_configFile))
        {
            throw new RemoteEngineException(
                $"Cannot connect to the Docker engine at {_endpoint.Display}: the ssh config {_configFile} (${ConfigVariable}) does not exist. Create it, or unset {ConfigVariable} to use ~/.ssh/config.",
                permanent: true);
        }

        var start = new ProcessStartInfo("ssh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            var process = Process.Start(start) ?? throw new Win32Exception("ssh did not start");
            return Task.FromResult<Stream>(new SshStream(process, this));
        }
        catch (Win32Exception ex)
        {
            throw new RemoteEngineException(
                $"Cannot connect to the Docker engine at {_endpoint.Display}: the ssh client could not be started ({ex.Message}). Install OpenSSH's client (Debian: openssh-client) where the agent runs.",
                permanent: true,
                ex);
        }
    }

    /// <summary>What ssh's exit and its last stderr lines mean, said with the endpoint and the fix.</summary>
    internal RemoteEngineException Failure(int exitCode, string stderr)
    {
        var where = $"Cannot connect to the Docker engine at {_endpoint.Display}";
        var said = string.IsNullOrWhiteSpace(stderr) ? $"ssh exited with code {exitCode.ToString(CultureInfo.InvariantCulture)}" : stderr.Trim();
        var host = _target.Port is { } port ? $"[{_target.Host}]:{port.ToString(CultureInfo.InvariantCulture)}" : _target.Host;
        var scan = _target.Port is { } p ? $"ssh-keyscan -p {p.ToString(CultureInfo.InvariantCulture)} {_target.Host}" : $"ssh-keyscan {_target.Host}";
        if (Has(stderr, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
        {
            return new($"{where}: the host key of {host} is not the one in known_hosts (ssh: {said}). If the host was reinstalled, check its new key's fingerprint and replace the line for {host} in known_hosts; otherwise someone may be impersonating it.", permanent: true);
        }

        if (Has(stderr, "Host key verification failed") || Has(stderr, "No ED25519 host key is known") || Has(stderr, "host key is known for"))
        {
            return new($"{where}: the host key of {host} is not in known_hosts, and the agent never accepts an unknown key (ssh: {said}). Check the key's fingerprint with the host's owner and add it to the agent user's known_hosts (e.g. `{scan} >> ~/.ssh/known_hosts`, then compare), or connect once with ssh by hand.", permanent: true);
        }

        if (Has(stderr, "Permission denied") && !Has(stderr, "docker.sock"))
        {
            return new($"{where}: ssh could not log in as {_target.User ?? "the agent's user"} (ssh: {said}). Give the agent a key the host accepts: an ssh-agent (SSH_AUTH_SOCK), or IdentityFile in ~/.ssh/config or ${ConfigVariable}; passwords are not asked for.", permanent: true);
        }

        if (exitCode == 127 || Has(stderr, "docker: not found") || Has(stderr, "docker: command not found"))
        {
            return new($"{where}: the remote host has no docker command (ssh: {said}). Install the docker CLI there: the agent runs `docker system dial-stdio` on it, as the docker CLI does.", permanent: true);
        }

        if (Has(stderr, "docker.sock") || Has(stderr, "Cannot connect to the Docker daemon") || Has(stderr, "permission denied while trying to connect"))
        {
            return new($"{where}: the remote docker command could not reach its engine (ssh: {said}). Check that the engine runs there and that {_target.User ?? "the user"} may use its socket (the docker group).", permanent: false);
        }

        return new($"{where}: {said}. Check that `ssh {string.Join(' ', Arguments().SkipLast(3))} docker version` works as the agent's user.", permanent: false);
    }

    private static bool Has(string text, string value) => text.Contains(value, StringComparison.OrdinalIgnoreCase);
}
