using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restore;

/// <summary>
/// One test's agent: a temporary directory with backup.yml, state_dir and a local storage (its directory made); a job named with the
/// test run's id; and the cleanup of whatever the agent made for that job (its labelled helpers and scratch
/// objects) and of the unlabelled targets a restore created (the test names them), pass or fail.
/// </summary>
internal sealed class RestoreWorkspace : IAsyncDisposable
{
    public const string Storage = "local";
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(90);
    private readonly TestScope _scope;
    private readonly ITestOutputHelper _output;
    private readonly List<string> _targets = [];
    private readonly List<string> _containers = [];

    public RestoreWorkspace(TestScope scope, ITestOutputHelper output, string jobPrefix)
    {
        _scope = scope;
        _output = output;
        Root = Directory.CreateTempSubdirectory("va-test-restore-").FullName;
        Directory.CreateDirectory(StorePath);
        Job = $"{jobPrefix}-{scope.Fixture.TestRunId}";
    }

    public string Root { get; }

    public string Job { get; }

    public string StorePath => Path.Combine(Root, "store");

    public string ConfigPath => Path.Combine(Root, "backup.yml");

    public DockerClient Client => _scope.Client;

    /// <summary>Environment variables every agent run of this workspace gets (DOCKER_HOST, say).</summary>
    public IReadOnlyDictionary<string, string>? AgentEnvironment { get; set; }

    /// <summary>
    /// Writes backup.yml with one job of <paramref name="sources"/> (YAML list items, already indented) and
    /// <paramref name="jobKeys"/> (more keys of the job, e.g. "stop_containers: [app]").
    /// </summary>
    public void Configure(string sources, string compression = "gzip", string? jobKeys = null)
    {
        var text = $"""
            helper_image: {TestImages.Helper}
            state_dir: {Path.Combine(Root, "state")}
            storage:
              {Storage}: {"{"} type: local, path: {StorePath} {"}"}
            jobs:
              {Job}:
                storage: [{Storage}]
                compression: {compression}
                {jobKeys ?? string.Empty}
                sources:
            {sources}
            """;
        File.WriteAllText(ConfigPath, text);
    }

    /// <summary>Runs the agent with -c backup.yml; its output goes to the test's output.</summary>
    public async Task<AgentResult> RunAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await AgentCli.RunAsync([.. arguments, "-c", ConfigPath], cancellationToken, TimeSpan.FromMinutes(4), AgentEnvironment);
        _output.WriteLine($"$ volume-agent {string.Join(' ', arguments)}  ({started.Elapsed.TotalSeconds:0.0} s){Environment.NewLine}{outcome}");
        return outcome;
    }

    /// <summary>Backs the job up and returns the new set's directory.</summary>
    public async Task<string> BackUpAsync(CancellationToken cancellationToken)
    {
        var before = SetDirectories();
        var outcome = await RunAsync(cancellationToken, "run-now", Job);
        outcome.ExitCode.Should().Be(0, outcome.ToString());
        return SetDirectories().Except(before).Should().ContainSingle().Subject;
    }

    public IReadOnlyList<string> SetDirectories()
    {
        var path = Path.Combine(StorePath, Job);
        return Directory.Exists(path) ? [.. Directory.EnumerateDirectories(path).Where(d => new DirectoryInfo(d).LinkTarget is null).Order(StringComparer.Ordinal)] : [];
    }

    /// <summary>A volume name for a restore to create; removed at the end (the agent does not label a user's target).</summary>
    public string TargetVolume(string prefix)
    {
        var name = _scope.Fixture.UniqueName(prefix);
        _targets.Add(name);
        return name;
    }

    /// <summary>A volume of the test, labelled and removed at the end.</summary>
    public Task<string> CreateVolumeAsync(string prefix, CancellationToken cancellationToken) => _scope.CreateVolumeAsync(prefix, cancellationToken);

    /// <summary>Runs a bash script in the tools image (GNU tar, coreutils) as root with the volume at /data; returns its stdout.</summary>
    public async Task<string> ShellAsync(string volume, string script, CancellationToken cancellationToken, bool readOnly = false)
    {
        var result = await _scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Tools,
                Entrypoint = ["bash", "-euo", "pipefail", "-c"],
                Cmd = [script],
                Labels = _scope.Fixture.LabelsWith(),
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    LogConfig = new LogConfig { Type = "none" },
                    Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data", ReadOnly = readOnly }],
                },
            },
            cancellationToken);
        result.ExitCode.Should().Be(0, $"the script failed: {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>Every entry of the volume: path, type, mode, owner, link target, and a content hash for files.</summary>
    public Task<string> ListTreeAsync(string volume, CancellationToken cancellationToken) =>
        ShellAsync(
            volume,
            "cd /data && find . -printf '%p\\t%y\\t%m\\t%U:%G\\t%l\\t%s\\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum",
            cancellationToken,
            readOnly: true);

    /// <summary>Starts a database server of the test images under a unique name (through Testcontainers) and waits until it is ready.</summary>
    public async Task<string> StartDatabaseAsync(string image, string prefix, IReadOnlyList<string> environment, CancellationToken cancellationToken)
    {
        var server = image switch
        {
            TestImages.Postgres => await DatabaseContainer.StartPostgresAsync(_scope, prefix, cancellationToken, [.. environment]),
            TestImages.MariaDb => await DatabaseContainer.StartMariaDbAsync(_scope, prefix, RootPassword(environment), cancellationToken),
            _ => throw new ArgumentException($"{image} is not a database image of the tests ({TestImages.Postgres}, {TestImages.MariaDb}).", nameof(image)),
        };
        _containers.Add(server.Id);
        return server.Name;
    }

    /// <summary>`docker exec -i` with <paramref name="stdin"/>; fails unless it exits 0; returns stdout.</summary>
    public async Task<string> ExecAsync(string container, IReadOnlyList<string> command, CancellationToken cancellationToken, string? stdin = null, params string[] environment)
    {
        using var input = stdin is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(stdin));
        var result = await ContainerExec.RunAsync(Client, container, command, cancellationToken, input, environment);
        result.ExitCode.Should().Be(0, $"`{string.Join(' ', command)}` in {container} failed: {result.Stderr}");
        return result.Text;
    }

    /// <summary>Containers and volumes the agent made for this workspace's job and did not remove.</summary>
    public async Task<IReadOnlyList<string>> AgentLeftoversAsync(CancellationToken cancellationToken)
    {
        var mine = AgentLabelNames.OfJob(Job);
        var containers = await Client.ListContainersAsync(mine, cancellationToken);
        var volumes = await Client.ListVolumesAsync(mine, cancellationToken);
        return [.. containers.Select(c => "container " + (c.Names?.FirstOrDefault()?.TrimStart('/') ?? c.ID)), .. volumes.Select(v => "volume " + v.Name)];
    }

    private static string RootPassword(IReadOnlyList<string> environment) =>
        environment.Select(v => v.Split('=', 2)).Where(p => p[0] == "MARIADB_ROOT_PASSWORD").Select(p => p[1]).SingleOrDefault()
        ?? throw new ArgumentException("A MariaDB server of the tests needs MARIADB_ROOT_PASSWORD.", nameof(environment));

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            var mine = AgentLabelNames.OfJob(Job);
            foreach (var container in await Client.ListContainersAsync(mine, timeout.Token))
            {
                await Client.RemoveContainerForcedAsync(container.ID, timeout.Token);
            }

            foreach (var id in _containers)
            {
                await Client.RemoveContainerForcedAsync(id, timeout.Token);
            }

            var volumes = (await Client.ListVolumesAsync(mine, timeout.Token)).Select(v => v.Name).Concat(_targets);
            foreach (var volume in volumes)
            {
                // The test's own containers (disposed after this workspace) may still mount a restore target.
                foreach (var user in await Client.ListContainersUsingVolumeAsync(volume, timeout.Token))
                {
                    await Client.RemoveContainerForcedAsync(user.ID, timeout.Token);
                }

                await Client.RemoveVolumeForcedAsync(volume, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or OperationCanceledException or IOException)
        {
            _output.WriteLine($"cleanup: {ex.Message}");
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException ex)
        {
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cleanup: could not remove {Root}: {ex.Message}"));
        }
    }
}
