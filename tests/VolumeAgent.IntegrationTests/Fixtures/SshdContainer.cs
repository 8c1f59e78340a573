using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// One container of the OpenSSH test image (volume-agent-test/sshd:bookworm) published on a free 127.0.0.1 port,
/// started with the docker command line and labelled with the test run, so the run's sweep removes it after a crash.
/// The SFTP server and the ssh-reached engine are both this container with different mounts. It is removed with its
/// anonymous volumes (the image declares <c>VOLUME /data</c>), so nothing stays on the engine.
/// </summary>
internal sealed class SshdContainer : IAsyncDisposable
{
    public const string Image = "volume-agent-test/sshd:bookworm";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;
    private readonly string _name;
    private readonly string _role;
    private string? _id;

    /// <param name="name">The start of its container name ("sftp").</param>
    /// <param name="role">What the server stands for in messages ("SFTP server").</param>
    public SshdContainer(DockerFixture docker, ITestOutputHelper output, string name, string role)
    {
        _docker = docker;
        _output = output;
        _name = name;
        _role = role;
        Port = TcpPorts.Free();
    }

    public int Port { get; }

    public string Id => _id ?? throw new InvalidOperationException($"The {_role} is not running.");

    public static async Task RequireImageAsync(CancellationToken cancellationToken)
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

    /// <summary>
    /// Runs the container with <paramref name="options"/> (mounts, environment, entrypoint) before the image and
    /// <paramref name="command"/> after it, and returns its known_hosts line once sshd answers.
    /// </summary>
    public async Task<string> RunAsync(IEnumerable<string> options, IEnumerable<string> command, CancellationToken cancellationToken)
    {
        List<string> arguments = ["run", "-d", "--name", _docker.UniqueName(_name)];
        foreach (var (key, value) in _docker.Labels)
        {
            arguments.AddRange(["--label", $"{key}={value}"]);
        }

        arguments.AddRange(["-p", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}:22")]);
        arguments.AddRange(options);
        arguments.Add(Image);
        arguments.AddRange(command);
        _id = (await DockerCli.RunAsync(cancellationToken, [.. arguments])).Trim();
        return await KeyscanAsync(cancellationToken);
    }

    /// <summary>Stops the server at once (SIGKILL), as a crash or a network cut would.</summary>
    public Task KillAsync(CancellationToken cancellationToken) => DockerCli.RunAsync(cancellationToken, "kill", Id);

    /// <summary>Starts the same container again (same port, keys and data) and waits until it answers.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        await DockerCli.RunAsync(cancellationToken, "start", Id);
        await KeyscanAsync(cancellationToken);
    }

    /// <summary>What sshd logged (it logs to stderr, so every login attempt is here).</summary>
    public async Task<string> LogsAsync(CancellationToken cancellationToken, int? tail = null)
    {
        List<string> arguments = ["logs"];
        if (tail is { } lines)
        {
            arguments.AddRange(["--tail", lines.ToString(CultureInfo.InvariantCulture)]);
        }

        return (await HostProcess.RunAsync("docker", [.. arguments, Id], cancellationToken)).Output;
    }

    /// <summary>Removes the container and its anonymous volumes; a later <see cref="RunAsync"/> starts a new one.</summary>
    public async Task RemoveAsync(CancellationToken cancellationToken)
    {
        if (_id is { } id)
        {
            _id = null;
            await DockerCli.RunAsync(cancellationToken, "rm", "-fv", id);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await RemoveAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // The run's sweep removes it by its labels.
            _output.WriteLine($"cleanup: could not remove the {_role}: {ex.Message}");
        }
    }

    /// <summary>Waits until the server answers and returns its known_hosts line (ssh-keyscan's output).</summary>
    private async Task<string> KeyscanAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var scan = await HostProcess.RunAsync("ssh-keyscan", ["-t", "ed25519", "-p", Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1"], cancellationToken);
            if (scan.ExitCode == 0 && scan.Stdout.Contains("ssh-ed25519", StringComparison.Ordinal))
            {
                return scan.Stdout;
            }

            if (waited.Elapsed > ReadyTimeout)
            {
                var logs = await HostProcess.RunAsync("docker", ["logs", Id], cancellationToken);
                throw new InvalidOperationException($"The {_role} on port {Port} did not answer within {ReadyTimeout.TotalSeconds:0} s: {scan.Output}{Environment.NewLine}{logs.Output}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }
}
