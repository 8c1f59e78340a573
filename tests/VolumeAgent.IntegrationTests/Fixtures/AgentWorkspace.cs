using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// One test's agent setup: a temporary directory holding backup.yml, the agent's state_dir and a local storage
/// (its directory made, as the agent requires), and job names carrying the test run's id. Disposing removes whatever agent containers and volumes those jobs
/// left (the agent labels them, not the test fixture) and the directory, pass or fail. Directories of test
/// processes that died are swept when the next workspace is made.
/// </summary>
internal sealed class AgentWorkspace : IAsyncDisposable
{
    public const string StorageName = "local";
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(60);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper? _output;
    private readonly HashSet<string> _jobs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _disposed;

    private AgentWorkspace(DockerFixture docker, ITestOutputHelper? output, string root)
    {
        _docker = docker;
        _output = output;
        Root = root;
        StateDir = Path.Combine(root, "state");
        StorePath = Path.Combine(root, "store");
        ConfigPath = Path.Combine(root, "backup.yml");
    }

    public string Root { get; }

    public string StateDir { get; }

    /// <summary>The path of the one local storage, <see cref="StorageName"/>.</summary>
    public string StorePath { get; }

    public string ConfigPath { get; }

    private DockerClient Client => Engine ?? _docker.Client;

    /// <summary>
    /// The engine the agent's jobs run on, where its leftovers are looked for and removed: the fixture's engine unless
    /// a test points the agent elsewhere (DOCKER_HOST in <see cref="Variables"/>).
    /// </summary>
    public DockerClient? Engine { get; set; }

    /// <summary>Variables set for every agent process this workspace runs (e.g. <c>VOLUME_AGENT_CONTROL</c>).</summary>
    public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

    /// <summary>Where an agent's daemon listens for its commands (agent/Control/Protocol/ControlEndpoint).</summary>
    public const string ControlVariable = "VOLUME_AGENT_CONTROL";

    /// <summary>The top of every backup.yml written here: the busybox helper, this state_dir and this storage.</summary>
    public string Header => $"""
        helper_image: {TestImages.Helper}
        state_dir: {StateDir}
        storage:
          {StorageName}: {"{"} type: local, path: {StorePath} {"}"}

        """;

    public static AgentWorkspace Create(DockerFixture docker, ITestOutputHelper? output)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var root = TestFolders.Create("agent");
        var workspace = new AgentWorkspace(docker, output, root);
        Directory.CreateDirectory(workspace.StorePath);

        // Each workspace's daemon listens on its own control socket, and each command asks only that one: tests run
        // side by side, and the default socket (/run/volume-agent/control.sock) would be one daemon's for all of them.
        workspace.Variables[ControlVariable] = Path.Combine(root, "control.sock");
        return workspace;
    }

    /// <summary>A job name unique to this test run (it names the job's folder and labels the agent's helpers).</summary>
    public string Job(string prefix)
    {
        var name = $"{prefix}-{_docker.TestRunId}";
        lock (_gate)
        {
            _jobs.Add(name);
        }

        return name;
    }

    /// <summary>Writes <see cref="Header"/> followed by <paramref name="body"/> (the jobs) as backup.yml; returns its path.</summary>
    public string WriteConfig(string body) => WriteWholeConfig(Header + body);

    /// <summary>Writes <paramref name="text"/> as backup.yml, as it is (no header); returns its path.</summary>
    public string WriteWholeConfig(string text)
    {
        File.WriteAllText(ConfigPath, text);
        _output?.WriteLine($"--- {ConfigPath} ---{Environment.NewLine}{text}");
        return ConfigPath;
    }

    /// <summary>Runs the agent with <paramref name="arguments"/> and <c>-c backup.yml</c>; its output goes to the test output.</summary>
    public async Task<AgentResult> RunAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var watch = Stopwatch.StartNew();
        var result = await AgentCli.RunAsync([.. arguments, "-c", ConfigPath], cancellationToken, environment: Variables);
        _output?.WriteLine($"--- volume-agent {string.Join(' ', arguments)}: {result} ({watch.Elapsed.TotalSeconds:0.0} s)");
        return result;
    }

    public Task<AgentRun> StartAsync(CancellationToken cancellationToken, params string[] arguments) =>
        AgentCli.StartAsync([.. arguments, "-c", ConfigPath], cancellationToken, Variables);

    /// <summary>The set directories of <paramref name="job"/> in the storage, oldest first.</summary>
    public IReadOnlyList<string> SetDirectories(string job)
    {
        var jobPath = Path.Combine(StorePath, job);
        return Directory.Exists(jobPath)
            ? [.. Directory.EnumerateDirectories(jobPath).Where(d => new DirectoryInfo(d).LinkTarget is null).Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>Containers the agent created for this workspace's jobs that still exist (running or not).</summary>
    public async Task<IReadOnlyList<ContainerListResponse>> AgentContainersAsync(CancellationToken cancellationToken)
    {
        var containers = await Client.ListContainersAsync(AgentLabelNames.OwnedByAgent(), cancellationToken);
        return [.. containers.Where(c => IsMine(c.Labels))];
    }

    /// <summary>The agent must remove every helper it starts, whatever happened to the run.</summary>
    public async Task AssertNoAgentLeftoversAsync(CancellationToken cancellationToken)
    {
        var containers = await AgentContainersAsync(cancellationToken);
        containers.Should().BeEmpty("the agent removes its helper containers when a run ends (left: {0})", string.Join(", ", containers.Select(c => c.Names?.FirstOrDefault()?.TrimStart('/') ?? c.ID)));
        var volumes = (await Client.ListVolumesAsync(AgentLabelNames.OwnedByAgent(), cancellationToken)).Where(v => IsMine(v.Labels)).ToList();
        volumes.Should().BeEmpty("the agent removes its scratch volumes when a run ends (left: {0})", string.Join(", ", volumes.Select(v => v.Name)));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            foreach (var container in await AgentContainersAsync(timeout.Token))
            {
                await Client.RemoveContainerForcedAsync(container.ID, timeout.Token);
            }

            foreach (var volume in await Client.ListVolumesAsync(AgentLabelNames.OwnedByAgent(), timeout.Token))
            {
                if (IsMine(volume.Labels))
                {
                    await Client.RemoveVolumeForcedAsync(volume.Name, timeout.Token);
                }
            }
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or OperationCanceledException or IOException)
        {
            // The test's own outcome stands; the agent's next start sweeps what its dead runs left.
            _output?.WriteLine($"cleanup: could not remove the agent's leftovers: {ex.Message}");
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _output?.WriteLine($"cleanup: could not delete {Root}: {ex.Message}");
        }
    }

    private bool IsMine(IDictionary<string, string>? labels)
    {
        if (labels is null || !labels.TryGetValue(AgentLabelNames.Job, out var job))
        {
            return false;
        }

        lock (_gate)
        {
            return _jobs.Contains(job);
        }
    }
}
