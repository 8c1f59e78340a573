using System.Diagnostics;
using System.Text.Json;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Swarm;

/// <summary>
/// Swarm mode on two nodes (<see cref="TwoNodeSwarm"/>, the test engine never in it): compose/docker-stack.yml deployed
/// on the manager runs the agent as a global service, one task per node, both writing to one storage (a host folder
/// bind-mounted on both, as an NFS mount would be). A replicated service with one replica is backed up exactly once,
/// by the node Swarm runs its task on, and skipped by the other; a service with a replica on each node is backed up
/// on each, each node its own: nothing twice, nothing missed. When Swarm then moves the task from the manager to the
/// worker, the volume it leaves behind on the manager is skipped there (the manager asks Swarm where the task runs now);
/// once the service is scaled to 0, both nodes' copies are backed up again.
/// </summary>
[Collection(DockerTests.Engines)]
public sealed class TwoNodeSwarmTests
{
    private const string Stack = "vaswarm";

    private const string BackupYml = """
        helper_image: volume-agent-test/helper:busybox
        storage:
          shared:
            type: local
            path: /backups
        jobs:
          nightly:
            storage: [shared]
            compression: gzip
            stop_containers: [solo]         # the replicated service: its task is paused on its node, skipped on the other
            sources:
              - volume: vaswarm_solo-data   # the one replica's volume: on the node that runs it
              - volume: vaswarm_pair-data   # a replica on each node, each with its own volume
        """;

    private const string TestStack = """
        services:
          agent:
            volumes:
              - type: bind
                source: {backups}
                target: /backups
          solo:
            image: volume-agent-test/helper:busybox
            command: ["sh", "-c", "head -c 100000 /dev/urandom > /data/random.bin && echo solo > /data/ready && exec sleep 100000"]
            volumes: [solo-data:/data]
            stop_grace_period: 1s          # sleep ignores SIGTERM as PID 1: a move need not wait 10 s for the SIGKILL
            deploy: { replicas: 1, placement: { constraints: [node.role==manager] } }
          pair:
            image: volume-agent-test/helper:busybox
            command: ["sh", "-c", "cat /etc/hostname > /data/task && echo pair > /data/ready && exec sleep 100000"]
            volumes: [pair-data:/data]
            deploy: { replicas: 2, placement: { max_replicas_per_node: 1 } }
        volumes:
          solo-data:
          pair-data:
        """;

    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(120);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public TwoNodeSwarmTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task GlobalAgentOnTwoNodes_ReplicatedServiceIsBackedUpOnceByTheNodeRunningIt_AndEachNodeBacksUpItsOwnReplica_AlsoAfterTheTaskMoved()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await _docker.RequireImageAsync(TestImages.Helper, ct);
        await AgentImage.EnsureBuiltAsync(ct);
        var testEngineSwarm = await CommandLine.DockerOkAsync(ct, "info", "--format", "{{.Swarm.NodeID}}");
        var clock = Stopwatch.StartNew();
        var work = Directory.CreateTempSubdirectory("va-test-swarm2-").FullName;
        try
        {
            await using var swarm = await TwoNodeSwarm.StartAsync(_output, ct);
            await DeployAsync(swarm, work, ct);
            var agents = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var node in swarm.Nodes)
            {
                agents[node.Node!] = await TaskAsync(node, "agent", ct);
                await DaemonWait.UntilAsync($"the agent's daemon on {node.Node} to answer", ReadyLimit, async () => Done(await DockerAsync(node, ct, "exec", agents[node.Node!], "status")), ct);
                await DaemonWait.UntilAsync($"the pair replica on {node.Node} to fill its volume", ReadyLimit, async () => Done(await DockerAsync(node, ct, "exec", await TaskAsync(node, "pair", ct), "test", "-f", "/data/ready")), ct);
            }

            // The one solo replica runs on the manager (its constraint): find it, and wait for its volume to be filled.
            var running = new Dictionary<string, string>(StringComparer.Ordinal);
            await DaemonWait.UntilAsync(
                "the solo replica to run on one node",
                ReadyLimit,
                async () =>
                {
                    running.Clear();
                    foreach (var node in swarm.Nodes)
                    {
                        var found = CommandLine.Lines((await DockerAsync(node, ct, "ps", "-q", "--filter", $"label=com.docker.swarm.service.name={Stack}_solo", "--filter", "status=running")).Stdout);
                        if (found.Length > 0)
                        {
                            running[node.Node!] = found[0];
                        }
                    }

                    return (running.Count == 1, string.Join(", ", running.Keys));
                },
                ct);
            var (soloNode, soloTask) = running.Single();
            soloNode.Should().Be(swarm.Manager.Node, "solo is placed on the manager, whose agent can ask Swarm where a task went");
            var solo = swarm.Nodes.Single(n => n.Node == soloNode);
            var other = swarm.Nodes.Single(n => n.Node != soloNode);
            await DaemonWait.UntilAsync("the solo replica to fill its volume", ReadyLimit, async () => Done(await DockerAsync(solo, ct, "exec", soloTask, "test", "-f", "/data/ready")), ct);
            _output.WriteLine($"solo runs on {soloNode}; stack ready after {clock.Elapsed.TotalSeconds:0.0} s");

            await RunNowAsync(swarm, agents, ct);

            // One set per node under nightly@<node>; solo's volume in exactly one of them, its node's; pair's in both.
            var backups = Path.Combine(work, "backups");
            Directory.EnumerateDirectories(backups).Select(Path.GetFileName).Should().BeEquivalentTo("nightly@va-node-a", "nightly@va-node-b");
            var artifacts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var node in swarm.Nodes)
            {
                Directory.EnumerateDirectories(Path.Combine(backups, $"nightly@{node.Node}")).Where(d => new DirectoryInfo(d).LinkTarget is null).Should().ContainSingle();
                (artifacts[node.Node!], var set) = await NewestSetAsync(backups, node, ct);
                if (node == solo)
                {
                    var archive = Path.Combine(set, $"volume-{Stack}_solo-data.tar.gz");
                    (await HostProcess.RunCheckedAsync("tar", ["-tzf", archive], ct)).Should().Contain("ready").And.Contain("random.bin");
                }
            }

            artifacts[soloNode].Should().BeEquivalentTo($"{Stack}_solo-data", $"{Stack}_pair-data");
            artifacts[other.Node!].Should().BeEquivalentTo([$"{Stack}_pair-data"], "the node without the solo task skips its volume");
            var otherLog = await DockerAsync(other, ct, "logs", agents[other.Node!]);
            otherLog.Output.Should().Contain($"Source volume {Stack}_solo-data skipped on this node").And.Contain("solo is not stopped by this node");
            (await DockerAsync(solo, ct, "inspect", "--format", "{{.State.Status}}", soloTask)).Stdout.Trim().Should().Be("running", "the paused solo task runs again");

            // `list` on either node shows both nodes' sets.
            var list = await DockerAsync(other, ct, "exec", agents[other.Node!], "list");
            list.ExitCode.Should().Be(0, list.ToString());
            list.Stdout.Should().Contain("va-node-a").And.Contain("va-node-b");

            // Swarm moves solo to the worker, then it is scaled to 0.
            await MoveSoloAsync(swarm, agents, backups, ct);
            await ScaleSoloToZeroAsync(swarm, agents, backups, ct);
            (await CommandLine.DockerOkAsync(ct, "info", "--format", "{{.Swarm.NodeID}}")).Should().Be(testEngineSwarm, "the test engine's swarm state is never touched");
            _output.WriteLine($"two-node swarm test (engines to backups, without the image build): {clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _output.WriteLine($"cleanup: could not delete {work}: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// Moves solo's task from the manager to the worker, as a changed constraint (or a drained node) does: the manager keeps
    /// the ended task's container and its volume, the worker makes a new volume of the same name. The next run on the
    /// manager stores the copy left with it once more (as the task left it); the runs after that store solo's volume
    /// once, the worker's, which the task uses now, and the manager skips its copy.
    /// </summary>
    private async Task MoveSoloAsync(TwoNodeSwarm swarm, Dictionary<string, string> agents, string backups, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await swarm.Manager.DockerAsync(
            cancellationToken, "service", "update", "--detach=true", "--constraint-rm", "node.role==manager", "--constraint-add", $"node.hostname=={swarm.Worker.Node}", $"{Stack}_solo");
        var moved = await TaskAsync(swarm.Worker, "solo", cancellationToken);
        await DaemonWait.UntilAsync(
            "the moved solo replica to fill its new volume", ReadyLimit, async () => Done(await DockerAsync(swarm.Worker, cancellationToken, "exec", moved, "test", "-f", "/data/ready")), cancellationToken);
        _output.WriteLine($"solo moved to {swarm.Worker.Node} in {clock.Elapsed.TotalSeconds:0.0} s");
        var left = await DockerAsync(swarm.Manager, cancellationToken, "ps", "-a", "--filter", $"label=com.docker.swarm.service.name={Stack}_solo", "--format", "{{.State}}");
        CommandLine.Lines(left.Stdout).Should().Equal(["exited"], "Swarm keeps the ended task's container on the manager, as history");

        // The first run after the move stores the manager's copy once more: what the task wrote there after the
        // manager's last set is in no other. The runs after it store it no more.
        await RunNowAsync(swarm, agents, cancellationToken);
        var (onceMore, _) = await NewestSetAsync(backups, swarm.Manager, cancellationToken);
        onceMore.Should().BeEquivalentTo([$"{Stack}_solo-data", $"{Stack}_pair-data"], "the copy the task left is stored once more, as the task left it");
        (await DockerAsync(swarm.Manager, cancellationToken, "logs", agents[swarm.Manager.Node!])).Output.Should()
            .Contain($"Volume {Stack}_solo-data is backed up once more on this node");

        await RunNowAsync(swarm, agents, cancellationToken);
        var (onManager, _) = await NewestSetAsync(backups, swarm.Manager, cancellationToken);
        var (onWorker, workerSet) = await NewestSetAsync(backups, swarm.Worker, cancellationToken);
        onWorker.Should().BeEquivalentTo($"{Stack}_solo-data", $"{Stack}_pair-data");
        onManager.Should().BeEquivalentTo([$"{Stack}_pair-data"], "the volume the moved task left on the manager, stored once more by the run before, is not backed up again");
        (await HostProcess.RunCheckedAsync("tar", ["-tzf", Path.Combine(workerSet, $"volume-{Stack}_solo-data.tar.gz")], cancellationToken))
            .Should().Contain("ready").And.Contain("random.bin");
        (await DockerAsync(swarm.Manager, cancellationToken, "logs", agents[swarm.Manager.Node!])).Output.Should()
            .Contain($"by a task of {Stack}_solo that moved to node {swarm.Worker.Node}").And.Contain($"docker volume rm {Stack}_solo-data");
        (await DockerAsync(swarm.Manager, cancellationToken, "volume", "inspect", $"{Stack}_solo-data")).ExitCode.Should().Be(0, "the agent never removes a volume");
    }

    /// <summary>Scaled to 0, solo runs nowhere: each node's copy of its volume is backed up again, whichever is wanted.</summary>
    private static async Task ScaleSoloToZeroAsync(TwoNodeSwarm swarm, Dictionary<string, string> agents, string backups, CancellationToken cancellationToken)
    {
        await swarm.Manager.DockerAsync(cancellationToken, "service", "scale", "--detach=true", $"{Stack}_solo=0");
        await DaemonWait.UntilAsync(
            $"solo's task on {swarm.Worker.Node} to end",
            ReadyLimit,
            async () =>
            {
                var listing = await DockerAsync(swarm.Worker, cancellationToken, "ps", "-q", "--filter", $"label=com.docker.swarm.service.name={Stack}_solo", "--filter", "status=running");
                return (listing.ExitCode == 0 && CommandLine.Lines(listing.Stdout).Length == 0, listing.Output);
            },
            cancellationToken);

        await RunNowAsync(swarm, agents, cancellationToken);
        foreach (var node in swarm.Nodes)
        {
            (await NewestSetAsync(backups, node, cancellationToken)).Artifacts.Should().BeEquivalentTo(
                [$"{Stack}_solo-data", $"{Stack}_pair-data"], $"a service scaled to 0 has its volume backed up on {node.Node}: its data is nowhere else");
        }
    }

    private static async Task RunNowAsync(TwoNodeSwarm swarm, Dictionary<string, string> agents, CancellationToken cancellationToken)
    {
        foreach (var node in swarm.Nodes)
        {
            var runNow = await DockerAsync(node, cancellationToken, "exec", agents[node.Node!], "run-now");
            runNow.ExitCode.Should().Be(0, runNow.ToString());
        }
    }

    /// <summary>The sources stored (succeeded) in the set <c>nightly@NODE/latest</c> points at, and that set's folder.</summary>
    private static async Task<(List<string> Artifacts, string Set)> NewestSetAsync(string backups, SecondEngine node, CancellationToken cancellationToken)
    {
        var set = Path.Combine(backups, $"nightly@{node.Node}", new FileInfo(Path.Combine(backups, $"nightly@{node.Node}", "latest")).LinkTarget!);
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(set, "manifest.json"), cancellationToken));
        manifest.RootElement.GetProperty("node").GetString().Should().Be(node.Node);
        List<string> artifacts = [.. manifest.RootElement.GetProperty("artifacts").EnumerateArray()
            .Where(a => a.GetProperty("status").GetString() == "succeeded").Select(a => a.GetProperty("source_name").GetString()!)];
        return (artifacts, set);
    }

    private static (bool Done, string Last) Done(Daemon.ProcessResult result) => (result.ExitCode == 0, result.Output);

    private static Task<Daemon.ProcessResult> DockerAsync(SecondEngine node, CancellationToken cancellationToken, params string[] arguments) =>
        CommandLine.RunAsync("docker", ["-H", node.DockerHost, .. arguments], cancellationToken);

    /// <summary>The running task container of the stack's <paramref name="service"/> on <paramref name="node"/>, once there is one.</summary>
    private static async Task<string> TaskAsync(SecondEngine node, string service, CancellationToken cancellationToken)
    {
        var id = string.Empty;
        await DaemonWait.UntilAsync(
            $"a running task of {Stack}_{service} on {node.Node}",
            ReadyLimit,
            async () =>
            {
                var listing = await DockerAsync(node, cancellationToken, "ps", "-q", "--filter", $"label=com.docker.swarm.service.name={Stack}_{service}", "--filter", "status=running");
                id = CommandLine.Lines(listing.Stdout).FirstOrDefault() ?? string.Empty;
                return (id.Length > 0, listing.Output);
            },
            cancellationToken);
        return id;
    }

    /// <summary>compose/docker-stack.yml with the test's services merged over it, deployed on the manager.</summary>
    private async Task DeployAsync(TwoNodeSwarm swarm, string work, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(work, "backups"));
        Directory.CreateDirectory(Path.Combine(work, "secrets"));
        var secret = Path.Combine(work, "secrets", "unused");
        await File.WriteAllTextAsync(secret, "unused-by-this-test\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, "backup.yml"), BackupYml, cancellationToken);
        var testFile = Path.Combine(work, "docker-stack.test.yml");
        await File.WriteAllTextAsync(testFile, TestStack.Replace("{backups}", Path.Combine(work, "backups"), StringComparison.Ordinal), cancellationToken);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOCKER_HOST"] = swarm.Manager.DockerHost,
            ["AGENT_IMAGE"] = AgentImage.Tag,
            ["STACK_NAME"] = Stack,
            ["BACKUP_YML"] = Path.Combine(work, "backup.yml"),
            ["S3_ACCESS_KEY_FILE"] = secret,
            ["S3_SECRET_KEY_FILE"] = secret,
        };
        var deploy = await CommandLine.RunAsync(
            "docker",
            ["stack", "deploy", "--detach=true", "--resolve-image", "never", "-c", Path.Combine(AgentImage.RepositoryRoot, "compose", "docker-stack.yml"), "-c", testFile, Stack],
            cancellationToken,
            environment);
        _output.WriteLine($"docker stack deploy: {deploy}");
        deploy.ExitCode.Should().Be(0, deploy.ToString());
    }
}
