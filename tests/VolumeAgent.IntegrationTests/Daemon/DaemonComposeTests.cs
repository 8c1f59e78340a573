using System.Text.RegularExpressions;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>
/// examples/postgres-app end to end with the agent image: compose up, the daemon turns healthy,
/// `docker exec agent run-now` streams the run through the control socket, the set verifies with sha256sum,
/// `status` shows it (also after a restart), and `down -v` leaves nothing of the project or of the agent's helpers.
/// </summary>
[Collection(DockerTests.Name)]
public sealed partial class DaemonComposeTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan HealthLimit = TimeSpan.FromSeconds(120);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public DaemonComposeTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task PostgresAppExample_RunNowThroughTheDaemon_WritesAVerifiedSetAndDownLeavesNothing()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await _docker.RequireImageAsync(TestImages.Postgres, ct);
        await _docker.RequireImageAsync(TestImages.Helper, ct);
        await AgentImage.EnsureBuiltAsync(ct);
        string instance;
        string project;
        await using (var stack = await ComposeStack.CreateAsync(_docker, "postgres-app", ["db", "app", "agent"], _output, ct))
        {
            project = stack.Project;
            var up = await stack.ComposeAsync(ct, "up", "-d");
            up.ExitCode.Should().Be(0, $"compose up must start the stack: {up}");
            var agent = await stack.ContainerIdAsync("agent", ct);
            var db = await stack.ContainerIdAsync("db", ct);
            await DaemonWait.HealthyAsync(db, HealthLimit, ct);
            await DaemonWait.HealthyAsync(agent, HealthLimit, ct);

            var runNow = await CommandLine.DockerAsync(ct, "exec", agent, "run-now");
            _output.WriteLine($"run-now: {runNow}");

            runNow.ExitCode.Should().Be(0, runNow.ToString());
            var lines = CommandLine.Lines(runNow.Stdout);
            lines.Should().StartWith("job nightly: running");
            lines.Should().Contain(l => l.StartsWith("ok    nightly/postgres-db-app.dump.gz", StringComparison.Ordinal));
            lines.Should().Contain(l => l.StartsWith("ok    nightly/postgres-db-globals.sql.gz", StringComparison.Ordinal));
            lines.Should().Contain(l => l.StartsWith($"ok    nightly/volume-{project}_uploads.tar.gz", StringComparison.Ordinal));
            var finished = lines.Should().ContainSingle(l => l.StartsWith("job nightly: succeeded, set ", StringComparison.Ordinal)).Subject;
            var set = finished["job nightly: succeeded, set ".Length..];

            var setDirectory = Path.Combine(stack.BackupDirectory, "nightly", set);
            new FileInfo(Path.Combine(stack.BackupDirectory, "nightly", "latest")).LinkTarget.Should().Be(set, "the README's `cd backups/nightly/latest` finds the set");
            Directory.EnumerateFiles(setDirectory).Select(Path.GetFileName).Should().BeEquivalentTo(
                "manifest.json", "SHA256SUMS", "postgres-db-app.dump.gz", "postgres-db-globals.sql.gz", $"volume-{project}_uploads.tar.gz");
            var onHost = await CommandLine.RunAsync("sha256sum", ["-c", "SHA256SUMS"], ct, workingDirectory: setDirectory);
            onHost.ExitCode.Should().Be(0, onHost.ToString());
            CommandLine.Lines(onHost.Stdout).Should().HaveCount(3).And.OnlyContain(l => l.EndsWith(": OK", StringComparison.Ordinal));
            var inAgent = await CommandLine.DockerAsync(ct, "exec", "-w", $"/backups/nightly/{set}", agent, "sha256sum", "-c", "SHA256SUMS");
            inAgent.ExitCode.Should().Be(0, inAgent.ToString());

            var status = await CommandLine.DockerAsync(ct, "exec", agent, "status");
            _output.WriteLine($"status: {status}");
            status.ExitCode.Should().Be(0, status.ToString());
            status.Stdout.Should().StartWith("daemon: running since");
            CommandLine.Lines(status.Stdout).Should().Contain(l => NightlySucceeded().IsMatch(l), "status shows the run just made");

            var health = await CommandLine.DockerAsync(ct, "exec", agent, "health");
            health.ExitCode.Should().Be(0, health.ToString());

            var restart = await stack.ComposeAsync(ct, "restart", "agent");
            restart.ExitCode.Should().Be(0, restart.ToString());
            await DaemonWait.HealthyAsync(agent, HealthLimit, ct);
            var afterRestart = await CommandLine.DockerAsync(ct, "exec", agent, "status");
            CommandLine.Lines(afterRestart.Stdout).Should().Contain(l => NightlySucceeded().IsMatch(l), "the last run is kept in status.json across a restart: {0}", afterRestart);

            var logs = await CommandLine.DockerAsync(ct, "logs", agent);
            instance = InstanceLine().Match(logs.Output).Groups["id"].Value;
            instance.Should().NotBeEmpty("the daemon logs its agent instance id: {0}", logs.Output);
            logs.Output.Should().MatchRegex($@"\[nightly [0-9a-f]{{8}}\] Run of job nightly succeeded", "every line about a run carries its job and run id");

            var down = await stack.ComposeAsync(ct, "down", "-v");
            down.ExitCode.Should().Be(0, down.ToString());
            (await stack.RemainingObjectsAsync(ct)).Should().BeEmpty("down -v removes every container, volume and network of the project");
        }

        var helpers = await CommandLine.DockerOkAsync(ct, "ps", "-a", "--filter", $"label=io.volume-agent.instance={instance}", "--format", "{{.Names}}");
        helpers.Should().BeEmpty("the agent removes every helper it made");
        var agentVolumes = await CommandLine.DockerOkAsync(ct, "volume", "ls", "-q", "--filter", $"label=io.volume-agent.instance={instance}");
        agentVolumes.Should().BeEmpty();
    }

    [GeneratedRegex(@"^nightly\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+succeeded\s+\S+ \S*B\s+\d+\.\d s\s+\d{4}-\d\d-\d\d 03:00$")]
    private static partial Regex NightlySucceeded();

    [GeneratedRegex(@"agent instance (?<id>[0-9a-f]+)")]
    private static partial Regex InstanceLine();
}
