using System.Globalization;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.RemoteEngines;

/// <summary>
/// The test engine as a remote host reached over ssh: the OpenSSH test image on a free 127.0.0.1 port, with the
/// engine's socket and this host's (static) docker CLI bind-mounted, and a login user in the socket's group, so
/// `ssh … docker system dial-stdio` reaches the engine as on a real host. Keys, known_hosts and an ssh_config
/// (for <c>VOLUME_AGENT_SSH_CONFIG</c>) are made here. Disposing removes the container (labelled with the test run,
/// so the run's sweep removes it after a crash) and the folder. The engine behind it is the test engine, or another
/// engine's socket (a <see cref="SecondEngine"/>'s, for a named engine of backup.yml's <c>engines</c>).
/// </summary>
internal sealed class SshEngineEndpoint : IAsyncDisposable
{
    public const string User = "dockerer";
    private readonly ITestOutputHelper _output;
    private readonly SshdContainer _container;
    private readonly string _socket;

    private SshEngineEndpoint(DockerFixture docker, ITestOutputHelper output, string root, string socket)
    {
        _socket = socket;
        _output = output;
        _container = new SshdContainer(docker, output, "ssh-engine", "ssh server");
        Root = root;
    }

    public string Root { get; }

    public int Port => _container.Port;

    public string DockerHost => string.Create(CultureInfo.InvariantCulture, $"ssh://{User}@127.0.0.1:{Port}");

    /// <summary>An ssh_config with the user's key and a known_hosts that holds the server's key.</summary>
    public string Config => Path.Combine(Root, "ssh_config");

    /// <summary>The same, but with an empty known_hosts: the server's key is unknown.</summary>
    public string UnknownHostConfig => Path.Combine(Root, "ssh_config_unknown_host");

    /// <summary>The server's key is known, but the key offered is not authorized.</summary>
    public string WrongKeyConfig => Path.Combine(Root, "ssh_config_wrong_key");

    private string HostKey => Path.Combine(Root, "host_ed25519_key");

    private string UserKey => Path.Combine(Root, "user_ed25519_key");

    private string OtherKey => Path.Combine(Root, "other_ed25519_key");

    /// <summary>Starts the server in front of <paramref name="socket"/> (the test engine's by default).</summary>
    public static async Task<SshEngineEndpoint> StartAsync(DockerFixture docker, ITestOutputHelper output, CancellationToken cancellationToken, string socket = "/var/run/docker.sock")
    {
        var root = Directory.CreateTempSubdirectory("va-test-ssh-engine-").FullName;
        var endpoint = new SshEngineEndpoint(docker, output, root, socket);
        try
        {
            await endpoint.StartServerAsync(cancellationToken);
            return endpoint;
        }
        catch
        {
            await endpoint.DisposeAsync();
            throw;
        }
    }

    public Dictionary<string, string> Environment(string config) => new(StringComparer.Ordinal)
    {
        ["DOCKER_HOST"] = DockerHost,
        ["VOLUME_AGENT_SSH_CONFIG"] = config,
    };

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            _output.WriteLine($"--- sshd ---{System.Environment.NewLine}{await _container.LogsAsync(timeout.Token, tail: 30)}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            _output.WriteLine($"cleanup: no log of the ssh server: {ex.Message}");
        }

        await _container.DisposeAsync();

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _output.WriteLine($"cleanup: could not delete {Root}: {ex.Message}");
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        await SshdContainer.RequireImageAsync(cancellationToken);
        foreach (var (key, comment) in new[] { (HostKey, "engine-host"), (UserKey, "agent"), (OtherKey, "stranger") })
        {
            await HostProcess.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", comment, "-f", key], cancellationToken);
        }

        var socketGroup = (await HostProcess.RunCheckedAsync("stat", ["-c", "%g", _socket], cancellationToken)).Trim();
        var docker = (await HostProcess.RunCheckedAsync("sh", ["-c", "command -v docker"], cancellationToken)).Trim();

        // The entrypoint creates its user unless one with the uid exists: made here first, in the socket's group.
        var prepare = $"groupadd -o -g {socketGroup} hostdocker && groupadd -g 1000 {User} && useradd -u 1000 -g 1000 -G hostdocker -m -s /bin/bash {User} && exec docker-entrypoint.sh";
        var hostKeyLine = await _container.RunAsync(
            [
                "-v", $"{HostKey}:/etc/ssh/host/ssh_host_ed25519_key:ro",
                "-v", $"{_socket}:/var/run/docker.sock",
                "-v", $"{docker}:/usr/local/bin/docker:ro",
                "-e", $"SFTP_USER={User}",
                "-e", "SFTP_UID=1000",
                "-e", $"SFTP_AUTHORIZED_KEY={(await File.ReadAllTextAsync(UserKey + ".pub", cancellationToken)).Trim()}",
                "--entrypoint", "bash",
            ],
            ["-c", prepare],
            cancellationToken);

        var knownHosts = Path.Combine(Root, "known_hosts");
        var emptyKnownHosts = Path.Combine(Root, "known_hosts_empty");
        await File.WriteAllTextAsync(knownHosts, hostKeyLine, cancellationToken);
        await File.WriteAllTextAsync(emptyKnownHosts, string.Empty, cancellationToken);
        await File.WriteAllTextAsync(Config, SshConfig(UserKey, knownHosts), cancellationToken);
        await File.WriteAllTextAsync(UnknownHostConfig, SshConfig(UserKey, emptyKnownHosts), cancellationToken);
        await File.WriteAllTextAsync(WrongKeyConfig, SshConfig(OtherKey, knownHosts), cancellationToken);
    }

    private static string SshConfig(string key, string knownHosts) => $"""
        Host 127.0.0.1
          IdentityFile {key}
          IdentitiesOnly yes
          IdentityAgent none
          UserKnownHostsFile {knownHosts}
          GlobalKnownHostsFile /dev/null
          LogLevel ERROR

        """;
}
