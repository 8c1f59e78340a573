using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Sftp;

/// <summary>
/// A real OpenSSH server (the sshd test image) on a free 127.0.0.1 port, started with the docker command line and
/// labelled with the test run, so the run's sweep removes it after a crash. Its host key and the user's key pair are
/// made by ssh-keygen here; its /data is a directory of this host (<see cref="DataPath"/>), so tests read what the
/// agent stored directly. Disposing removes the container and the directory, pass or fail.
/// </summary>
internal sealed class SftpServer : IAsyncDisposable
{
    public const string Image = "volume-agent-test/sshd:bookworm";
    public const string User = "storage";
    public const int Uid = 1000;

    /// <summary>The storage directory as the server sees it.</summary>
    public const string RemotePath = "/data/backups";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;
    private string? _container;

    private SftpServer(DockerFixture docker, ITestOutputHelper output, string root, int port)
    {
        _docker = docker;
        _output = output;
        Root = root;
        Port = port;
        Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
    }

    /// <summary>This test's files: keys, known_hosts, the password file, the server's data.</summary>
    public string Root { get; }

    public int Port { get; }

    public string Password { get; }

    public string HostKeyPath => Path.Combine(Root, "host_ed25519_key");

    public string UserKeyPath => Path.Combine(Root, "user_ed25519_key");

    public string PasswordFile => Path.Combine(Root, "password");

    public string KnownHostsPath => Path.Combine(Root, "known_hosts");

    /// <summary>The server's /data on this host.</summary>
    public string DataPath => Path.Combine(Root, "data");

    /// <summary><see cref="RemotePath"/> on this host.</summary>
    public string StorePath => Path.Combine(DataPath, "backups");

    /// <summary>known_hosts' name for the server: <c>[127.0.0.1]:PORT</c>.</summary>
    public string HostPattern => string.Create(CultureInfo.InvariantCulture, $"[127.0.0.1]:{Port}");

    public static async Task<SftpServer> StartAsync(DockerFixture docker, ITestOutputHelper output, CancellationToken cancellationToken)
    {
        await RequireImageAsync(cancellationToken);
        var root = Directory.CreateTempSubdirectory("va-test-sftp-").FullName;
        var server = new SftpServer(docker, output, root, FreePort());
        try
        {
            Directory.CreateDirectory(server.StorePath);
            await HostProcess.RunCheckedAsync("chown", ["-R", $"{Uid}:{Uid}", server.DataPath], cancellationToken);
            await File.WriteAllTextAsync(server.PasswordFile, server.Password + "\n", cancellationToken);
            await server.NewHostKeyAsync(cancellationToken);
            await HostProcess.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "agent", "-f", server.UserKeyPath], cancellationToken);
            await server.RunContainerAsync(cancellationToken);
            await File.WriteAllTextAsync(server.KnownHostsPath, await server.KeyscanAsync(cancellationToken), cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A storage entry for backup.yml (indented under <c>storage:</c>).</summary>
    public string StorageYaml(string name, bool password = false, string? knownHosts = null, string path = RemotePath, string? keyFile = null) => $"""
          {name}:
            type: sftp
            host: 127.0.0.1
            port: {Port.ToString(CultureInfo.InvariantCulture)}
            user: {User}
            path: {path}
            {(password ? "password_file: " + PasswordFile : "private_key_file: " + (keyFile ?? UserKeyPath))}
            known_hosts_file: {knownHosts ?? KnownHostsPath}

        """;

    /// <summary>Stops the server at once (SIGKILL), as a crash or a network cut would.</summary>
    public Task KillAsync(CancellationToken cancellationToken) => DockerCli.RunAsync(cancellationToken, "kill", _container!);

    /// <summary>Starts the same container again (same port, host key and data) and waits until it answers.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        await DockerCli.RunAsync(cancellationToken, "start", _container!);
        await KeyscanAsync(cancellationToken);
    }

    /// <summary>The server gets a new host key (as after a reinstall, or an impostor): same port and data, known_hosts unchanged.</summary>
    public async Task ReplaceHostKeyAsync(CancellationToken cancellationToken)
    {
        await DockerCli.RunAsync(cancellationToken, "rm", "-f", _container!);
        _container = null;
        File.Delete(HostKeyPath);
        File.Delete(HostKeyPath + ".pub");
        await NewHostKeyAsync(cancellationToken);
        await RunContainerAsync(cancellationToken);
        await KeyscanAsync(cancellationToken);
    }

    /// <summary>What sshd logged (it logs to stderr, so every login attempt is here).</summary>
    public async Task<string> LogsAsync(CancellationToken cancellationToken) =>
        (await HostProcess.RunAsync("docker", ["logs", _container!], cancellationToken)).Output;

    /// <summary>Files under <see cref="StorePath"/>, relative, sorted; temporary ones included.</summary>
    public IReadOnlyList<string> StoredFiles() =>
        [.. Directory.EnumerateFiles(StorePath, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(StorePath, f)).Order(StringComparer.Ordinal)];

    public IReadOnlyList<string> SetDirectories(string job)
    {
        var path = Path.Combine(StorePath, job);
        return Directory.Exists(path) ? [.. Directory.EnumerateDirectories(path).Order(StringComparer.Ordinal)] : [];
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await DockerCli.RunAsync(timeout.Token, "rm", "-f", _container);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                // The run's sweep removes it by its labels.
                _output.WriteLine($"cleanup: could not remove the SFTP server {_container}: {ex.Message}");
            }
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _output.WriteLine($"cleanup: could not delete {Root}: {ex.Message}");
        }
    }

    private static async Task RequireImageAsync(CancellationToken cancellationToken)
    {
        try
        {
            await DockerCli.RunAsync(cancellationToken, "image", "inspect", "--format", "{{.Id}}", Image);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(DockerFixture.MissingImageMessage(Image), ex);
        }
    }

    /// <summary>A port nothing listens on right now.</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task NewHostKeyAsync(CancellationToken cancellationToken) =>
        await HostProcess.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "sftp-test-host", "-f", HostKeyPath], cancellationToken);

    private async Task RunContainerAsync(CancellationToken cancellationToken)
    {
        List<string> arguments = ["run", "-d", "--name", _docker.UniqueName("sftp")];
        foreach (var (key, value) in _docker.Labels)
        {
            arguments.AddRange(["--label", $"{key}={value}"]);
        }

        arguments.AddRange(
        [
            "-p", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}:22"),
            "-v", $"{HostKeyPath}:/etc/ssh/host/ssh_host_ed25519_key:ro",
            "-v", $"{DataPath}:/data",
            "-e", $"SFTP_USER={User}",
            "-e", string.Create(CultureInfo.InvariantCulture, $"SFTP_UID={Uid}"),
            "-e", $"SFTP_PASSWORD={Password}",
            "-e", $"SFTP_AUTHORIZED_KEY={(await File.ReadAllTextAsync(UserKeyPath + ".pub", cancellationToken)).Trim()}",
            Image,
        ]);
        _container = (await DockerCli.RunAsync(cancellationToken, [.. arguments])).Trim();
    }

    /// <summary>Waits until the server answers and returns its known_hosts line (ssh-keyscan's output).</summary>
    private async Task<string> KeyscanAsync(CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var scan = await HostProcess.RunAsync("ssh-keyscan", ["-t", "ed25519", "-p", Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1"], cancellationToken);
            if (scan.ExitCode == 0 && scan.Stdout.Contains("ssh-ed25519", StringComparison.Ordinal))
            {
                return scan.Stdout;
            }

            if (waited.Elapsed > ReadyTimeout)
            {
                var logs = await HostProcess.RunAsync("docker", ["logs", _container!], cancellationToken);
                throw new InvalidOperationException($"The SFTP server on port {Port} did not answer within {ReadyTimeout}: {scan.Output}{Environment.NewLine}{logs.Output}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }
}
