using System.Globalization;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Swarm;

/// <summary>
/// A single-node swarm on the test engine (<c>docker swarm init --advertise-addr 127.0.0.1</c>), marked as the tests'
/// own by a node label naming the test process, and left again (<c>docker swarm leave --force</c>) at disposal, pass
/// or fail. A swarm a crashed run left (its marker names a dead process) is left, with what its stacks left, before a
/// new one starts; a swarm without the marker is someone else's and is never touched: the test fails instead.
/// </summary>
internal sealed class SingleNodeSwarm : IAsyncDisposable
{
    /// <summary>The node label that marks a swarm as the tests' own: host/pid/start of the test process that made it.</summary>
    public const string MarkerLabel = "io.volume-agent-test.swarm";

    /// <summary>Every test stack's name starts with this (DockerFixture.UniqueName("swarm")).</summary>
    public const string StackPrefix = "va-test-swarm-";

    public const string StackLabel = "com.docker.stack.namespace";
    private const string GatewayBridge = "docker_gwbridge";
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromMinutes(2);
    private readonly ITestOutputHelper _output;
    private readonly bool _hadGatewayBridge;
    private int _disposed;

    private SingleNodeSwarm(ITestOutputHelper output, bool hadGatewayBridge)
    {
        _output = output;
        _hadGatewayBridge = hadGatewayBridge;
    }

    /// <summary>This node's id and name (<c>docker info</c>), as the agent reads them from <c>GET /info</c>.</summary>
    public string NodeId { get; private set; } = string.Empty;

    public string NodeName { get; private set; } = string.Empty;

    public static async Task<SingleNodeSwarm> StartAsync(DockerFixture fixture, ITestOutputHelper output, CancellationToken cancellationToken)
    {
        var state = await CommandLine.DockerOkAsync(cancellationToken, "info", "--format", "{{.Swarm.LocalNodeState}}");
        if (state == "active")
        {
            var marker = await CommandLine.DockerOkAsync(cancellationToken, "node", "inspect", "self", "--format", $"{{{{ index .Spec.Labels \"{MarkerLabel}\" }}}}");
            if (marker.Length == 0 || marker == "<no value>")
            {
                throw new InvalidOperationException(
                    $"The test engine is in a Docker swarm these tests did not create (its node has no {MarkerLabel} label), and they leave it alone. "
                    + "Run the swarm tests on an engine in no swarm (`docker swarm leave --force` if that swarm is yours to end).");
            }

            if (IsLive(marker))
            {
                throw new InvalidOperationException($"The engine's swarm belongs to a test process that still runs ({marker}); run one swarm test process per engine at a time.");
            }

            output.WriteLine($"leaving the swarm of a crashed test run ({marker})");
            await CommandLine.DockerOkAsync(cancellationToken, "swarm", "leave", "--force");
            await SweepStacksAsync(output, cancellationToken);
            await RemoveGatewayBridgeAsync(output, cancellationToken);
        }
        else if (state != "inactive")
        {
            throw new InvalidOperationException($"The test engine's swarm state is '{state}'; the swarm tests need 'inactive' (no swarm).");
        }

        var hadGateway = (await CommandLine.DockerAsync(cancellationToken, "network", "inspect", GatewayBridge)).ExitCode == 0;
        await CommandLine.DockerOkAsync(cancellationToken, "swarm", "init", "--advertise-addr", "127.0.0.1");
        var swarm = new SingleNodeSwarm(output, hadGateway);
        try
        {
            swarm.NodeId = await CommandLine.DockerOkAsync(cancellationToken, "info", "--format", "{{.Swarm.NodeID}}");
            swarm.NodeName = await CommandLine.DockerOkAsync(cancellationToken, "info", "--format", "{{.Name}}");
            await CommandLine.DockerOkAsync(cancellationToken, "node", "update", "--label-add", $"{MarkerLabel}={fixture.Labels[DockerFixture.ProcessLabel]}", swarm.NodeId);
            return swarm;
        }
        catch
        {
            await swarm.DisposeAsync();
            throw;
        }
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
            var leave = await CommandLine.DockerAsync(timeout.Token, "swarm", "leave", "--force");
            if (leave.ExitCode != 0)
            {
                _output.WriteLine($"cleanup: docker swarm leave failed: {leave}");
            }

            await SweepStacksAsync(_output, timeout.Token);
            if (!_hadGatewayBridge)
            {
                await RemoveGatewayBridgeAsync(_output, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            _output.WriteLine($"cleanup of the test swarm: {ex.Message}");
        }
    }

    /// <summary>Containers, then volumes, then networks of the tests' stacks (by their stack label) that are still there.</summary>
    internal static async Task SweepStacksAsync(ITestOutputHelper output, CancellationToken cancellationToken)
    {
        foreach (var kind in new[] { "container", "volume", "network" })
        {
            var format = kind == "container" ? "{{.ID}} {{.Label \"" + StackLabel + "\"}}" : "{{.Name}} {{.Label \"" + StackLabel + "\"}}";
            var listing = kind == "container"
                ? await CommandLine.DockerAsync(cancellationToken, "ps", "-a", "--filter", $"label={StackLabel}", "--format", format)
                : await CommandLine.DockerAsync(cancellationToken, kind, "ls", "--filter", $"label={StackLabel}", "--format", format);
            var ours = CommandLine.Lines(listing.Stdout)
                .Select(line => line.Split(' ', 2))
                .Where(parts => parts.Length == 2 && parts[1].StartsWith(StackPrefix, StringComparison.Ordinal))
                .Select(parts => parts[0])
                .ToArray();
            if (ours.Length == 0)
            {
                continue;
            }

            output.WriteLine($"cleanup: removing {kind}s of test stacks: {string.Join(' ', ours)}");
            var removal = kind == "container"
                ? await CommandLine.DockerAsync(cancellationToken, ["rm", "-f", "-v", .. ours])
                : await CommandLine.DockerAsync(cancellationToken, [kind, "rm", .. ours]);
            if (removal.ExitCode != 0)
            {
                output.WriteLine($"cleanup: {removal}");
            }
        }
    }

    /// <summary>The bridge <c>swarm init</c> made for task containers' outside traffic, once no container uses it.</summary>
    private static async Task RemoveGatewayBridgeAsync(ITestOutputHelper output, CancellationToken cancellationToken)
    {
        var users = await CommandLine.DockerAsync(cancellationToken, "network", "inspect", GatewayBridge, "--format", "{{len .Containers}}");
        if (users.ExitCode == 0 && users.Stdout.Trim() == "0")
        {
            var removal = await CommandLine.DockerAsync(cancellationToken, "network", "rm", GatewayBridge);
            if (removal.ExitCode != 0)
            {
                output.WriteLine($"cleanup: {removal}");
            }
        }
    }

    /// <summary>Whether the test process a marker names (host/pid/start in unix ms) still runs.</summary>
    private static bool IsLive(string marker) =>
        marker.Split('/') is [var host, var pid, var start]
        && host == Environment.MachineName
        && int.TryParse(pid, CultureInfo.InvariantCulture, out var id)
        && long.TryParse(start, CultureInfo.InvariantCulture, out var startMs)
        && DockerFixture.IsAlive(id, startMs);
}
