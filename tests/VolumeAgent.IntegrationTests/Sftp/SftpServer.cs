using System.Globalization;
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
    public const string User = "storage";
    public const int Uid = 1000;

    /// <summary>The storage directory as the server sees it.</summary>
    public const string RemotePath = "/data/backups";

    private readonly ITestOutputHelper _output;
    private readonly SshdContainer _container;

    private SftpServer(DockerFixture docker, ITestOutputHelper output, string root)
    {
        _output = output;
        _container = new SshdContainer(docker, output, "sftp", "SFTP server");
        Root = root;
        Password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
    }

    /// <summary>This test's files: keys, known_hosts, the password file, the server's data.</summary>
    public string Root { get; }

    public int Port => _container.Port;

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
        await SshdContainer.RequireImageAsync(cancellationToken);
        var root = Directory.CreateTempSubdirectory("va-test-sftp-").FullName;
        var server = new SftpServer(docker, output, root);
        try
        {
            Directory.CreateDirectory(server.StorePath);
            await HostProcess.RunCheckedAsync("chown", ["-R", $"{Uid}:{Uid}", server.DataPath], cancellationToken);
            await File.WriteAllTextAsync(server.PasswordFile, server.Password + "\n", cancellationToken);
            await server.NewHostKeyAsync(cancellationToken);
            await HostProcess.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "agent", "-f", server.UserKeyPath], cancellationToken);
            await File.WriteAllTextAsync(server.KnownHostsPath, await server.RunContainerAsync(cancellationToken), cancellationToken);
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
    public Task KillAsync(CancellationToken cancellationToken) => _container.KillAsync(cancellationToken);

    /// <summary>Starts the same container again (same port, host key and data) and waits until it answers.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken) => _container.StartAgainAsync(cancellationToken);

    /// <summary>The server gets a new host key (as after a reinstall, or an impostor): same port and data, known_hosts unchanged.</summary>
    public async Task ReplaceHostKeyAsync(CancellationToken cancellationToken)
    {
        await _container.RemoveAsync(cancellationToken);
        File.Delete(HostKeyPath);
        File.Delete(HostKeyPath + ".pub");
        await NewHostKeyAsync(cancellationToken);
        await RunContainerAsync(cancellationToken);
    }

    /// <summary>What sshd logged (it logs to stderr, so every login attempt is here).</summary>
    public Task<string> LogsAsync(CancellationToken cancellationToken) => _container.LogsAsync(cancellationToken);

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

    private async Task NewHostKeyAsync(CancellationToken cancellationToken) =>
        await HostProcess.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "sftp-test-host", "-f", HostKeyPath], cancellationToken);

    /// <summary>Runs the server with this folder's keys and data; returns its known_hosts line.</summary>
    private async Task<string> RunContainerAsync(CancellationToken cancellationToken) =>
        await _container.RunAsync(
            [
                "-v", $"{HostKeyPath}:/etc/ssh/host/ssh_host_ed25519_key:ro",
                "-v", $"{DataPath}:/data",
                "-e", $"SFTP_USER={User}",
                "-e", string.Create(CultureInfo.InvariantCulture, $"SFTP_UID={Uid}"),
                "-e", $"SFTP_PASSWORD={Password}",
                "-e", $"SFTP_AUTHORIZED_KEY={(await File.ReadAllTextAsync(UserKeyPath + ".pub", cancellationToken)).Trim()}",
            ],
            [],
            cancellationToken);
}
