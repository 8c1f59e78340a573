using System.Diagnostics;
using System.Globalization;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A second Docker engine on this machine, for the several-engines tests (and the fault suite, which stops, starts
/// and kills it mid-run): its own dockerd in its own network namespace, with its own data-root, exec-root, pid file,
/// config file and socket, all under <see cref="Root"/> (<c>/tmp/va-e2-PID-N</c>, PID the test process's, N its count of them). Never in the
/// host's network namespace: there a second dockerd takes the first engine's <c>docker0</c> bridge away
/// (/work/shared/ENVIRONMENT.md). It is started by <c>nsenter --net</c> into a namespace of <c>ip netns add</c>, and runs with <c>--bridge=none</c> and <c>--iptables=false</c>, so containers on it
/// have no network (<c>--network none</c>, as the agent's helpers), and with its own containerd namespaces.
/// <para>
/// <see cref="InitializeAsync"/> first removes what a crashed test run left (the engine process and everything started
/// under its root, its mounts, its namespace, its folder: found by the root's name, whose PID no longer runs), then
/// starts the engine and loads the images it needs from the first engine (<c>docker save | docker load</c>): the
/// busybox helper only. Share one per test class (<c>IClassFixture&lt;SecondEngine&gt;</c>): it starts in a few seconds.
/// <see cref="StopAsync"/> / <see cref="StartAsync"/> stop and start it again with its data; <see cref="KillAsync"/>
/// ends it with SIGKILL; disposing removes everything.
/// </para>
/// </summary>
public sealed class SecondEngine : IAsyncLifetime
{
    private const string Prefix = "va-e2-";
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);
    // Well beyond dockerd's own shutdown-timeout (15 s by default): an engine serving an archive nobody reads took 15.0 s
    // to exit after SIGTERM here (EngineFaultTests' restart mid-archive), and a stop that ends in SIGKILL is a kill, not a restart.
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(45);
    private static int _instances;
    private Process? _dockerd;

    public SecondEngine()
        : this(null)
    {
    }

    /// <summary>
    /// An engine as a node of a swarm of several (<c>Swarm/TwoNodeSwarm</c>): besides its network namespace, its own UTS
    /// namespace with <paramref name="node"/> as host name (Swarm's node name), and its own mount namespace with a tmpfs
    /// on /run, where it also listens at /var/run/docker.sock, so a service bind-mounting that path gets this engine,
    /// never the first one. Null: a plain second engine.
    /// </summary>
    internal SecondEngine(string? node)
    {
        Node = node;
        // Several may run at once (the collections run side by side): the number tells this process's apart.
        var number = Interlocked.Increment(ref _instances);
        Name = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}-{number}{(node is null ? string.Empty : "-" + node)}");
        Root = Path.Combine("/tmp", Name);
    }

    /// <summary>The host name of a swarm node's engine, null for a plain second engine.</summary>
    public string? Node { get; }

    /// <summary>The network namespace's name, and the folder's.</summary>
    public string Name { get; }

    /// <summary>Everything of the engine: data-root, exec-root, socket, pid file, log.</summary>
    public string Root { get; }

    public string SocketPath => Path.Combine(Root, "docker.sock");

    /// <summary>The engine's endpoint as DOCKER_HOST or backup.yml's <c>host</c> takes it.</summary>
    public string DockerHost => "unix://" + SocketPath;

    /// <summary>How long the last <see cref="InitializeAsync"/> took (start and image load), for the report.</summary>
    public TimeSpan StartTime { get; private set; }

    private string LogPath => Path.Combine(Root, "dockerd.log");

    public async Task InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        using var bound = new CancellationTokenSource(StartBound * 2);
        await RemoveLeftoversAsync(bound.Token);
        Directory.CreateDirectory(Root);
        await File.WriteAllTextAsync(Path.Combine(Root, "daemon.json"), "{}", bound.Token);
        await HostProcess.RunCheckedAsync("ip", ["netns", "add", Name], bound.Token);
        await HostProcess.RunCheckedAsync("ip", ["netns", "exec", Name, "ip", "link", "set", "lo", "up"], bound.Token);
        await StartAsync(bound.Token);
        await LoadImageAsync(TestImages.Helper, bound.Token);
        StartTime = watch.Elapsed;
    }

    public async Task DisposeAsync()
    {
        using var bound = new CancellationTokenSource(StartBound * 2);
        await StopAsync(bound.Token);
        await RemoveAsync(Root, Name, bound.Token);
    }

    /// <summary>Starts the engine (again) and waits until it answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_dockerd is { HasExited: false })
        {
            return;
        }

        // nsenter enters the network namespace only: `ip netns exec` would also give dockerd a mount namespace with a
        // fresh /sys, without the cgroup hierarchies it needs.
        string[] command =
        [
            "nsenter", "--net=" + Path.Combine("/run/netns", Name), "--", "dockerd",
            "--data-root", Path.Combine(Root, "data"), "--exec-root", Path.Combine(Root, "exec"), "--pidfile", Path.Combine(Root, "dockerd.pid"),
            "--config-file", Path.Combine(Root, "daemon.json"), "-H", DockerHost, "--bridge=none", "--iptables=false", "--ip6tables=false",
            "--ip-masq=false", "--containerd-namespace", Name, "--containerd-plugins-namespace", Name + "-plugins", "--log-level", "warn",
        ];
        if (Node is not null)
        {
            // In its own UTS and mount namespaces (nsenter has entered the network one): its own host name, and its own /run,
            // so the socket it also serves at /var/run/docker.sock never replaces the first engine's.
            var dockerd = string.Join(' ', command[3..].Select(Quote)) + " -H unix:///var/run/docker.sock";
            command = [.. command[..3], "unshare", "--uts", "--mount", "--propagation", "private", "--", "sh", "-c", $"mount -t tmpfs tmpfs /run && hostname {Quote(Node)} && exec {dockerd}"];
        }

        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {string.Join(' ', command.Select(Quote))} >>{Quote(LogPath)} 2>&1");
        _dockerd = Process.Start(start) ?? throw new InvalidOperationException("Could not start the second dockerd.");
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(StartBound);
        while (true)
        {
            if (_dockerd.HasExited)
            {
                throw new InvalidOperationException($"The second dockerd exited with {_dockerd.ExitCode}: {Tail()}");
            }

            var probe = await HostProcess.RunAsync("docker", ["-H", DockerHost, "version", "--format", "{{.Server.Version}}"], bound.Token, timeout: StartBound);
            if (probe.ExitCode == 0)
            {
                return;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), bound.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The second dockerd did not answer at {DockerHost} within {StartBound.TotalSeconds:0} s: {Tail()}");
            }
        }
    }

    /// <summary>
    /// Whether the last <see cref="StopAsync"/> had to end the engine with SIGKILL (it had not exited within the bound
    /// after SIGTERM): a test of a clean stop or restart checks it is false.
    /// </summary>
    public bool LastStopKilled { get; private set; }

    /// <summary>Stops the engine as `systemctl stop docker` would (SIGTERM, then SIGKILL after a bound); its data stays.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LastStopKilled = false;
        if (_dockerd is not { } dockerd || dockerd.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", dockerd.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(cancellationToken);
        }

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(StopBound);
        try
        {
            await dockerd.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LastStopKilled = true;
            await KillAsync(cancellationToken);
        }
    }

    /// <summary>Ends the engine at once with SIGKILL, as a crash would (its containerd and shims are left to <see cref="StopAsync"/> or disposal).</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (_dockerd is { HasExited: false } dockerd)
        {
            dockerd.Kill();
            await dockerd.WaitForExitAsync(cancellationToken);
        }
    }

    /// <summary>The docker command line against this engine; fails with its output unless it exits 0.</summary>
    public Task<string> DockerAsync(CancellationToken cancellationToken, params string[] arguments) =>
        HostProcess.RunCheckedAsync("docker", ["-H", DockerHost, .. arguments], cancellationToken);

    /// <summary>Copies an image of the first engine into this one.</summary>
    public async Task LoadImageAsync(string image, CancellationToken cancellationToken) =>
        await HostProcess.RunCheckedAsync("sh", ["-c", $"docker save {Quote(image)} | docker -H {Quote(DockerHost)} load -q"], cancellationToken);

    /// <summary>
    /// What crashed test runs left: folders /tmp/va-e2-PID-N (or /tmp/va-e2-PID-N-NODE) whose PID no longer runs, with every process started under
    /// them (dockerd, its containerd and shims: found by the folder in their command line), their mounts and namespace.
    /// </summary>
    private static async Task RemoveLeftoversAsync(CancellationToken cancellationToken)
    {
        foreach (var directory in Directory.EnumerateDirectories("/tmp", Prefix + "*"))
        {
            var name = Path.GetFileName(directory);
            if (int.TryParse(name[Prefix.Length..].Split('-')[0], CultureInfo.InvariantCulture, out var pid) && !TestFolders.IsRunning(pid))
            {
                await RemoveAsync(directory, name, cancellationToken);
            }
        }
    }

    /// <summary>Kills the processes started under <paramref name="root"/>, unmounts what is mounted there, deletes the namespace and the folder.</summary>
    private static async Task RemoveAsync(string root, string name, CancellationToken cancellationToken)
    {
        // The engine's processes first, then what ran in its containers (their cgroups are named by the container ids).
        var containersFolder = Path.Combine(root, "data", "containers");
        var containers = Directory.Exists(containersFolder) ? Directory.EnumerateDirectories(containersFolder).Select(Path.GetFileName).OfType<string>().ToList() : [];
        foreach (var pid in ProcessesUnder(root).Concat(ProcessesOfContainers(containers)).Distinct())
        {
            await HostProcess.RunAsync("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        }

        var mounts = File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')).Where(f => f.Length > 1 && f[1].StartsWith(root + "/", StringComparison.Ordinal))
            .Select(f => f[1]).OrderByDescending(m => m.Length).ToList();
        foreach (var mount in mounts)
        {
            await HostProcess.RunAsync("umount", ["-l", mount], cancellationToken);
        }

        if (File.Exists(Path.Combine("/run/netns", name)))
        {
            await HostProcess.RunAsync("ip", ["netns", "delete", name], cancellationToken);
        }

        if (Directory.Exists(root))
        {
            await HostProcess.RunAsync("rm", ["-rf", "--one-file-system", root], cancellationToken);
        }
    }

    /// <summary>Processes whose command line names <paramref name="root"/> (not this process).</summary>
    private static List<int> ProcessesUnder(string root)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var command = File.ReadAllText(Path.Combine(entry, "cmdline")).Replace('\0', ' ');
                if (command.Contains(root + "/", StringComparison.Ordinal) || command.Contains(root + " ", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // It ended meanwhile.
            }
        }

        return found;
    }

    /// <summary>Processes in the cgroup of one of <paramref name="containers"/> (ids), which outlive a killed engine and its shims.</summary>
    private static IEnumerable<int> ProcessesOfContainers(List<string> containers)
    {
        if (containers.Count == 0)
        {
            yield break;
        }

        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string cgroups;
            try
            {
                cgroups = File.ReadAllText(Path.Combine(entry, "cgroup"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (containers.Exists(id => cgroups.Contains(id, StringComparison.Ordinal)))
            {
                yield return pid;
            }
        }
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private string Tail()
    {
        try
        {
            var lines = File.ReadAllLines(LogPath);
            return string.Join(Environment.NewLine, lines.TakeLast(20));
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }
}
