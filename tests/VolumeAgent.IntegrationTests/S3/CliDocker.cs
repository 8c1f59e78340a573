using System.Diagnostics;
using System.Security.Cryptography;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.S3;

/// <summary>
/// Volumes and containers an S3 test needs, made with the `docker` command line (not the fixtures' engine client),
/// labelled with the test run's labels and removed on dispose, pass or fail.
/// </summary>
internal sealed class CliDocker : IAsyncDisposable
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly List<string> _volumes = [];
    private readonly List<string> _containers = [];

    public CliDocker(DockerFixture docker) => _docker = docker;

    public string UniqueName(string prefix) => $"{prefix}-{_docker.TestRunId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    public async Task<string> CreateVolumeAsync(string prefix, CancellationToken cancellationToken)
    {
        var name = UniqueName(prefix);
        await DockerCli.RunAsync(cancellationToken, [.. "volume create".Split(' '), .. LabelArguments(), name]);
        _volumes.Add(name);
        return name;
    }

    /// <summary>Runs a bash script in the tools image with the volume at /data; returns its stdout.</summary>
    public Task<string> ShellAsync(string volume, string script, CancellationToken cancellationToken, bool readOnly = false) =>
        DockerCli.RunAsync(
            cancellationToken,
            [
                "run", "--rm", "--network", "none", "--log-driver", "none", .. LabelArguments(),
                "-v", $"{volume}:/data{(readOnly ? ":ro" : string.Empty)}", "--entrypoint", "bash", TestImages.Tools, "-euo", "pipefail", "-c", script,
            ]);

    /// <summary>Every entry of the volume (path, type, mode, owner, link target, size) and every file's SHA-256.</summary>
    public Task<string> TreeAsync(string volume, CancellationToken cancellationToken) =>
        ShellAsync(
            volume,
            "cd /data && find . -printf '%p\\t%y\\t%m\\t%U:%G\\t%l\\t%s\\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum",
            cancellationToken,
            readOnly: true);

    /// <summary>Starts a PostgreSQL 15 of the test images and waits until it is healthy; returns its name.</summary>
    public async Task<string> StartPostgresAsync(string prefix, string password, CancellationToken cancellationToken)
    {
        var name = UniqueName(prefix);
        await DockerCli.RunAsync(cancellationToken, ["run", "-d", "--name", name, .. LabelArguments(), "-e", $"POSTGRES_PASSWORD={password}", TestImages.Postgres]);
        _containers.Add(name);
        var waited = Stopwatch.StartNew();
        while ((await DockerCli.RunAsync(cancellationToken, "inspect", "--format", "{{.State.Health.Status}}", name)).Trim() != "healthy")
        {
            if (waited.Elapsed > HealthTimeout)
            {
                throw new TimeoutException($"PostgreSQL container {name} was not healthy within {HealthTimeout}.");
            }

            await Task.Delay(500, cancellationToken);
        }

        return name;
    }

    public static Task<string> ExecAsync(string container, CancellationToken cancellationToken, params string[] command) =>
        DockerCli.RunAsync(cancellationToken, ["exec", container, .. command]);

    /// <summary>pg_dump's plain SQL without its per-dump random \restrict key.</summary>
    public static async Task<string> PgDumpAsync(string container, string database, CancellationToken cancellationToken)
    {
        var dump = await ExecAsync(container, cancellationToken, "pg_dump", "-U", "postgres", "--dbname", database);
        return string.Join('\n', dump.Split('\n').Where(l => !l.StartsWith("\\restrict ", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict ", StringComparison.Ordinal)));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        foreach (var container in _containers)
        {
            await TryAsync(timeout.Token, "rm", "-f", "-v", container);
        }

        foreach (var volume in _volumes)
        {
            await TryAsync(timeout.Token, "volume", "rm", "-f", volume);
        }
    }

    private static async Task TryAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        try
        {
            await DockerCli.RunAsync(cancellationToken, arguments);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // The run's labels let the next test run sweep it.
        }
    }

    private string[] LabelArguments() => [.. _docker.Labels.SelectMany(l => new[] { "--label", $"{l.Key}={l.Value}" })];
}
