using System.Diagnostics;
using System.Globalization;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Swarm;

/// <summary>
/// A swarm of two nodes on this machine, neither of them the test engine: two extra dockerds
/// (<see cref="SecondEngine"/> as nodes), each in its own network, UTS (host name <c>va-node-a</c>, <c>va-node-b</c>)
/// and mount namespace, linked by a veth pair (192.168.231.1 and .2), so Swarm's ports (2377, 7946, 4789) work
/// between them. The first inits the swarm and manages it, the second joins as a worker; each gets the agent image
/// and the helper image by <c>docker save | docker load</c>. Disposing ends both engines with everything on them (the
/// namespaces, and with them the veth pair); a crashed run's are swept by <see cref="SecondEngine"/> at the next start.
/// The test engine is never asked anything here: it joins no swarm.
/// </summary>
internal sealed class TwoNodeSwarm : IAsyncDisposable
{
    private const string Subnet = "192.168.231.";
    private int _disposed;

    private TwoNodeSwarm(SecondEngine manager, SecondEngine worker)
    {
        Manager = manager;
        Worker = worker;
    }

    /// <summary>The node that inits the swarm and manages it (<c>docker stack deploy</c> goes to it).</summary>
    public SecondEngine Manager { get; }

    /// <summary>The node that joins as a worker.</summary>
    public SecondEngine Worker { get; }

    public IReadOnlyList<SecondEngine> Nodes => [Manager, Worker];

    public static async Task<TwoNodeSwarm> StartAsync(ITestOutputHelper output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var swarm = new TwoNodeSwarm(new SecondEngine("va-node-a"), new SecondEngine("va-node-b"));
        try
        {
            await Task.WhenAll(swarm.Manager.InitializeAsync(), swarm.Worker.InitializeAsync());
            output.WriteLine($"two engines started: {clock.Elapsed.TotalSeconds:0.0} s");
            await swarm.LinkAsync(cancellationToken);
            await swarm.Manager.DockerAsync(cancellationToken, "swarm", "init", "--advertise-addr", Address(1), "--listen-addr", Address(1) + ":2377");
            var token = (await swarm.Manager.DockerAsync(cancellationToken, "swarm", "join-token", "-q", "worker")).Trim();
            await swarm.Worker.DockerAsync(cancellationToken, "swarm", "join", "--token", token, "--advertise-addr", Address(2), "--listen-addr", Address(2) + ":2377", Address(1) + ":2377");
            output.WriteLine($"swarm of two: {clock.Elapsed.TotalSeconds:0.0} s{Environment.NewLine}{await swarm.Manager.DockerAsync(cancellationToken, "node", "ls")}");
            await Task.WhenAll(swarm.Nodes.Select(n => n.LoadImageAsync(AgentImage.Tag, cancellationToken)));
            output.WriteLine($"agent image loaded on both: {clock.Elapsed.TotalSeconds:0.0} s");
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

        await Task.WhenAll(Manager.DisposeAsync(), Worker.DisposeAsync());
    }

    private static string Address(int node) => Subnet + node.ToString(CultureInfo.InvariantCulture);

    /// <summary>A veth pair with one end in each node's network namespace, addressed and up.</summary>
    private async Task LinkAsync(CancellationToken cancellationToken)
    {
        // Interface names have at most 15 characters; each end is made inside its namespace, so the host never holds one.
        var ends = Nodes.Select((n, i) => string.Create(CultureInfo.InvariantCulture, $"vasw{Environment.ProcessId % 1_000_000}{(char)('a' + i)}")).ToArray();
        await HostProcess.RunCheckedAsync("ip", ["link", "add", ends[0], "netns", Manager.Name, "type", "veth", "peer", "name", ends[1], "netns", Worker.Name], cancellationToken);
        for (var i = 0; i < 2; i++)
        {
            await HostProcess.RunCheckedAsync("ip", ["-n", Nodes[i].Name, "addr", "add", Address(i + 1) + "/24", "dev", ends[i]], cancellationToken);
            await HostProcess.RunCheckedAsync("ip", ["-n", Nodes[i].Name, "link", "set", ends[i], "up"], cancellationToken);
        }
    }
}
