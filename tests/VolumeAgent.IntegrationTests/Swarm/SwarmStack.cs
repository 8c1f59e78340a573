using System.Globalization;
using System.Text;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Swarm;

/// <summary>
/// compose/docker-stack.yml deployed with <c>docker stack deploy</c> under a unique stack name, with a test file
/// merged over it: the locally built agent image with the test run's labels and a host directory at /backups, a
/// PostgreSQL service, an app service that fills a volume, and a service with no task anywhere. Disposal removes the
/// stack, the volumes its tasks used (stack and anonymous ones) and its networks, pass or fail.
/// </summary>
internal sealed class SwarmStack : IAsyncDisposable
{
    public const string PostgresPassword = "swarm-secret";
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan TaskLimit = TimeSpan.FromSeconds(120);
    private readonly ITestOutputHelper _output;
    private readonly HashSet<string> _volumes = new(StringComparer.Ordinal);
    private int _disposed;

    private SwarmStack(string name, string workDirectory, ITestOutputHelper output)
    {
        Name = name;
        WorkDirectory = workDirectory;
        BackupDirectory = Path.Combine(workDirectory, "backups");
        _output = output;
    }

    public string Name { get; }

    public string WorkDirectory { get; }

    /// <summary>The host directory bind-mounted at /backups in the agent.</summary>
    public string BackupDirectory { get; }

    /// <summary>Deploys the stack with this backup.yml (written with the stack's name for <c>{stack}</c>).</summary>
    public static async Task<SwarmStack> DeployAsync(DockerFixture fixture, string backupYml, ITestOutputHelper output, CancellationToken cancellationToken)
    {
        var name = fixture.UniqueName("swarm");
        var work = Path.Combine(Path.GetTempPath(), name);
        var stack = new SwarmStack(name, work, output);
        try
        {
            Directory.CreateDirectory(stack.BackupDirectory);
            Directory.CreateDirectory(Path.Combine(work, "secrets"));
            await File.WriteAllTextAsync(Path.Combine(work, "secrets", "s3_access_key"), "unused-by-this-test\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(work, "secrets", "s3_secret_key"), "unused-by-this-test\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(work, "backup.yml"), backupYml.Replace("{stack}", name, StringComparison.Ordinal), cancellationToken);
            var testFile = Path.Combine(work, "docker-stack.test.yml");
            await File.WriteAllTextAsync(testFile, TestFile(fixture, stack.BackupDirectory), cancellationToken);
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["AGENT_IMAGE"] = AgentImage.Tag,
                ["STACK_NAME"] = name,
                ["BACKUP_YML"] = Path.Combine(work, "backup.yml"),
                ["S3_ACCESS_KEY_FILE"] = Path.Combine(work, "secrets", "s3_access_key"),
                ["S3_SECRET_KEY_FILE"] = Path.Combine(work, "secrets", "s3_secret_key"),
            };
            var deploy = await CommandLine.RunAsync(
                "docker",
                ["stack", "deploy", "--detach=true", "--resolve-image", "never", "-c", Path.Combine(AgentImage.RepositoryRoot, "compose", "docker-stack.yml"), "-c", testFile, name],
                cancellationToken,
                environment);
            if (deploy.ExitCode != 0)
            {
                throw new InvalidOperationException($"docker stack deploy of compose/docker-stack.yml failed: {deploy}");
            }

            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>The running task container of a service of the stack (by its name in the stack file), once there is one.</summary>
    public async Task<string> TaskAsync(string service, CancellationToken cancellationToken)
    {
        var id = string.Empty;
        await DaemonWait.UntilAsync(
            $"a running task of service {Name}_{service}",
            TaskLimit,
            async () =>
            {
                var listing = await CommandLine.DockerAsync(
                    cancellationToken, "ps", "-q", "--filter", $"label=com.docker.swarm.service.name={Name}_{service}", "--filter", "status=running");
                id = CommandLine.Lines(listing.Stdout).FirstOrDefault() ?? string.Empty;
                var tasks = await CommandLine.DockerAsync(cancellationToken, "service", "ps", "--no-trunc", $"{Name}_{service}");
                return (id.Length > 0, tasks.Output);
            },
            cancellationToken);
        return id;
    }

    /// <summary>A volume the test made beside the stack (a restore target), removed with it.</summary>
    public void Track(string volume) => _volumes.Add(volume);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CleanupTimeout);
        var ct = timeout.Token;
        try
        {
            // Anonymous volumes carry no stack label: note every volume the stack's containers mount before they go.
            var containers = CommandLine.Lines((await CommandLine.DockerAsync(ct, "ps", "-aq", "--filter", $"label={SingleNodeSwarm.StackLabel}={Name}")).Stdout);
            foreach (var container in containers)
            {
                var mounts = await CommandLine.DockerAsync(ct, "inspect", "--format", "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}}\n{{end}}{{end}}", container);
                _volumes.UnionWith(CommandLine.Lines(mounts.Stdout));
            }

            var remove = await CommandLine.DockerAsync(ct, "stack", "rm", Name);
            if (remove.ExitCode != 0)
            {
                _output.WriteLine($"cleanup: docker stack rm failed: {remove}");
            }

            await DaemonWait.UntilAsync(
                $"the containers of stack {Name} to be gone",
                TimeSpan.FromSeconds(60),
                async () =>
                {
                    var left = await CommandLine.DockerAsync(ct, "ps", "-aq", "--filter", $"label={SingleNodeSwarm.StackLabel}={Name}");
                    return (left.Stdout.Trim().Length == 0, left.Output);
                },
                ct);
            var labelled = CommandLine.Lines((await CommandLine.DockerAsync(ct, "volume", "ls", "-q", "--filter", $"label={SingleNodeSwarm.StackLabel}={Name}")).Stdout);
            _volumes.UnionWith(labelled);
            foreach (var volume in _volumes)
            {
                var removal = await CommandLine.DockerAsync(ct, "volume", "rm", "-f", volume);
                if (removal.ExitCode != 0)
                {
                    _output.WriteLine($"cleanup: {removal}");
                }
            }

            var networks = CommandLine.Lines((await CommandLine.DockerAsync(ct, "network", "ls", "-q", "--filter", $"label={SingleNodeSwarm.StackLabel}={Name}")).Stdout);
            if (networks.Length > 0)
            {
                await CommandLine.DockerAsync(ct, ["network", "rm", .. networks]);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or OperationCanceledException)
        {
            _output.WriteLine($"cleanup of stack {Name}: {ex.Message}");
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

    /// <summary>The test's services and settings, merged over compose/docker-stack.yml by <c>docker stack deploy -c … -c …</c>.</summary>
    private static string TestFile(DockerFixture fixture, string backupDirectory)
    {
        var labels = new StringBuilder();
        foreach (var (key, value) in fixture.Labels)
        {
            labels.Append(CultureInfo.InvariantCulture, $"      {key}: \"{value}\"\n");
        }

        return $$"""
            services:
              agent:
                labels:
            {{labels}}    volumes:
                  - type: bind
                    source: {{backupDirectory}}
                    target: /backups
              db:
                image: {{TestImages.Postgres}}
                labels:
            {{labels}}    environment:
                  POSTGRES_PASSWORD: {{PostgresPassword}}
                  POSTGRES_DB: app
                volumes:
                  - pgdata:/var/lib/postgresql/data
              app:
                image: {{TestImages.Helper}}
                labels:
            {{labels}}    command: ["sh", "-c", "cd /data && if [ ! -f ready ]; then mkdir -p a/b empty && echo hello > a/b/c.txt && head -c 200000 /dev/urandom > random.bin && ln -s a/b/c.txt link && chmod 0640 a/b/c.txt && touch ready; fi; exec sleep 86400"]
                volumes:
                  - data:/data
              ghost:
                image: {{TestImages.Helper}}
                labels:
            {{labels}}    command: ["sleep", "86400"]
                deploy:
                  replicas: 0
            volumes:
              pgdata:
              data:

            """;
    }
}
