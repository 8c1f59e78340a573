using System.Globalization;
using System.Text;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>
/// One of examples/ brought up with docker-compose under a unique project name, with the locally built images,
/// a temporary backups directory, and an override file that labels every container with the test run's labels
/// (and checks the agent's health every 2 s). Disposal runs <c>down -v</c> and then removes by project label
/// whatever is left, pass or fail.
/// </summary>
internal sealed class ComposeStack : IAsyncDisposable
{
    public const string ProjectPrefix = "va-test-dstack-";
    private const string ProjectLabel = "com.docker.compose.project";
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromMinutes(2);
    private readonly string _composeFile;
    private readonly string _overrideFile;
    private readonly ITestOutputHelper _output;
    private int _disposed;

    private ComposeStack(string example, string project, string workDirectory, IReadOnlyDictionary<string, string> environment, ITestOutputHelper output)
    {
        Project = project;
        WorkDirectory = workDirectory;
        BackupDirectory = Path.Combine(workDirectory, "backups");
        Environment = environment;
        _composeFile = Path.Combine(AgentImage.RepositoryRoot, "examples", example, "docker-compose.yml");
        _overrideFile = Path.Combine(workDirectory, "docker-compose.test.yml");
        _output = output;
    }

    public string Project { get; }

    public string WorkDirectory { get; }

    /// <summary>The host directory bind-mounted at /backups in the agent.</summary>
    public string BackupDirectory { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public static async Task<ComposeStack> CreateAsync(DockerFixture fixture, string example, IEnumerable<string> services, ITestOutputHelper output, CancellationToken cancellationToken)
    {
        await SweepCrashedProjectsAsync(cancellationToken);
        var project = fixture.UniqueName("dstack");
        var work = Path.Combine(Path.GetTempPath(), project);
        Directory.CreateDirectory(Path.Combine(work, "backups"));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["POSTGRES_IMAGE"] = TestImages.Postgres,
            ["MARIADB_IMAGE"] = TestImages.MariaDb,
            ["APP_IMAGE"] = TestImages.Helper,
            ["HELPER_IMAGE"] = TestImages.Helper,
            ["AGENT_IMAGE"] = AgentImage.Tag,
            ["STACK"] = project,
            ["BACKUP_DIR"] = Path.Combine(work, "backups"),
            ["COMPOSE_HTTP_TIMEOUT"] = "120",
        };
        var stack = new ComposeStack(example, project, work, environment, output);
        await File.WriteAllTextAsync(stack._overrideFile, OverrideFile(fixture, services), cancellationToken);
        return stack;
    }

    public Task<ProcessResult> ComposeAsync(CancellationToken cancellationToken, params string[] arguments) =>
        CommandLine.RunAsync(
            "docker-compose",
            ["-f", _composeFile, "-f", _overrideFile, "-p", Project, "--no-ansi", .. arguments],
            cancellationToken,
            Environment);

    /// <summary>The id of the service's (first) container.</summary>
    public async Task<string> ContainerIdAsync(string service, CancellationToken cancellationToken)
    {
        var result = await ComposeAsync(cancellationToken, "ps", "-q", service);
        var id = CommandLine.Lines(result.Stdout).FirstOrDefault();
        return result.ExitCode == 0 && id is not null ? id : throw new InvalidOperationException($"No container of service {service} in {Project}: {result}");
    }

    /// <summary>Containers, volumes and networks of the project, as "kind name" lines.</summary>
    public async Task<IReadOnlyList<string>> RemainingObjectsAsync(CancellationToken cancellationToken)
    {
        var filter = $"label={ProjectLabel}={Project}";
        var containers = CommandLine.Lines(await CommandLine.DockerOkAsync(cancellationToken, "ps", "-a", "--filter", filter, "--format", "{{.Names}}"));
        var volumes = CommandLine.Lines(await CommandLine.DockerOkAsync(cancellationToken, "volume", "ls", "-q", "--filter", filter));
        var networks = CommandLine.Lines(await CommandLine.DockerOkAsync(cancellationToken, "network", "ls", "-q", "--filter", filter));
        return [.. containers.Select(c => "container " + c), .. volumes.Select(v => "volume " + v), .. networks.Select(n => "network " + n)];
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
            var down = await ComposeAsync(timeout.Token, "down", "-v", "--remove-orphans", "-t", "5");
            if (down.ExitCode != 0)
            {
                _output.WriteLine($"cleanup: docker-compose down failed: {down}");
            }

            await RemoveProjectAsync(Project, timeout.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            _output.WriteLine($"cleanup of {Project}: {ex.Message}");
        }
        finally
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException ex)
            {
                _output.WriteLine($"cleanup: could not delete {WorkDirectory}: {ex.Message}");
            }
        }
    }

    /// <summary>Containers (and any agent helper using the project's volumes), then volumes, then networks of a project.</summary>
    private static async Task RemoveProjectAsync(string project, CancellationToken cancellationToken)
    {
        var filter = $"label={ProjectLabel}={project}";
        var volumes = CommandLine.Lines((await CommandLine.DockerAsync(cancellationToken, "volume", "ls", "-q", "--filter", filter)).Stdout);
        var containers = CommandLine.Lines((await CommandLine.DockerAsync(cancellationToken, "ps", "-aq", "--filter", filter)).Stdout).ToList();
        foreach (var volume in volumes)
        {
            containers.AddRange(CommandLine.Lines((await CommandLine.DockerAsync(cancellationToken, "ps", "-aq", "--filter", $"volume={volume}")).Stdout));
        }

        if (containers.Count > 0)
        {
            await CommandLine.DockerAsync(cancellationToken, ["rm", "-f", "-v", .. containers.Distinct()]);
        }

        if (volumes.Length > 0)
        {
            await CommandLine.DockerAsync(cancellationToken, ["volume", "rm", "-f", .. volumes]);
        }

        var networks = CommandLine.Lines((await CommandLine.DockerAsync(cancellationToken, "network", "ls", "-q", "--filter", filter)).Stdout);
        if (networks.Length > 0)
        {
            await CommandLine.DockerAsync(cancellationToken, ["network", "rm", .. networks]);
        }
    }

    /// <summary>
    /// Projects of earlier test runs that died before their cleanup: no container left (the Docker fixture's sweep
    /// removes labelled containers of dead test processes), only volumes and networks.
    /// </summary>
    private static async Task SweepCrashedProjectsAsync(CancellationToken cancellationToken)
    {
        var projects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kind in new[] { "volume", "network" })
        {
            var listing = await CommandLine.DockerAsync(cancellationToken, kind, "ls", "--filter", $"label={ProjectLabel}", "--format", $"{{{{.Label \"{ProjectLabel}\"}}}}");
            projects.UnionWith(CommandLine.Lines(listing.Stdout).Where(p => p.StartsWith(ProjectPrefix, StringComparison.Ordinal)));
        }

        foreach (var project in projects)
        {
            var containers = await CommandLine.DockerAsync(cancellationToken, "ps", "-aq", "--filter", $"label={ProjectLabel}={project}");
            if (containers.ExitCode == 0 && containers.Stdout.Trim().Length == 0)
            {
                await RemoveProjectAsync(project, cancellationToken);
            }
        }
    }

    private static string OverrideFile(DockerFixture fixture, IEnumerable<string> services)
    {
        var text = new StringBuilder("services:\n");
        foreach (var service in services)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {service}:\n    labels:\n");
            foreach (var (key, value) in fixture.Labels)
            {
                text.Append(CultureInfo.InvariantCulture, $"      {key}: \"{value}\"\n");
            }

            if (service == "agent")
            {
                // The image checks every 30 s; the test waits for "healthy" in seconds.
                text.Append("    healthcheck:\n")
                    .Append("      test: [\"CMD\", \"volume-agent\", \"health\"]\n")
                    .Append("      interval: 2s\n      timeout: 10s\n      retries: 3\n      start_period: 60s\n");
            }
        }

        return text.ToString();
    }
}
