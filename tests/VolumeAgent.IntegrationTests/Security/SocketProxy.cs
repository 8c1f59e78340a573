using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VolumeAgent.IntegrationTests.Daemon;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Security;

/// <summary>
/// Debian's haproxy in front of the test engine's socket, run with the example's configuration
/// (examples/socket-proxy/haproxy.cfg, tecnativa/docker-socket-proxy's rules) and only the categories a test switches
/// on. It listens on a unix socket of its own (<see cref="DockerHost"/> for the agent) and logs every request with its
/// status; <see cref="Requests"/> reads them back. Killed and its directory removed on dispose.
/// </summary>
internal sealed class SocketProxy : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private readonly string _directory;
    private readonly ITestOutputHelper _output;

    private SocketProxy(Process process, string directory, ITestOutputHelper output)
    {
        _process = process;
        _directory = directory;
        _output = output;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string SocketPath => Path.Combine(_directory, "docker.sock");

    /// <summary>DOCKER_HOST for the agent.</summary>
    public string DockerHost => "unix://" + SocketPath;

    public IReadOnlyDictionary<string, string> AgentEnvironment => new Dictionary<string, string> { ["DOCKER_HOST"] = DockerHost };

    /// <summary>Starts haproxy allowing <paramref name="categories"/> (e.g. CONTAINERS, EXEC, POST; PING and VERSION are always on, as tecnativa's defaults).</summary>
    public static async Task<SocketProxy> StartAsync(IReadOnlyCollection<string> categories, ITestOutputHelper output, CancellationToken cancellationToken)
    {
        var haproxy = new[] { "/usr/sbin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("haproxy is not installed: `apt-get install haproxy` (Debian's 2.6; .ci/run installs it).");
        var directory = Directory.CreateTempSubdirectory("va-test-proxy-").FullName;
        var start = new ProcessStartInfo(haproxy)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-db", "-f", Path.Combine(AgentImage.RepositoryRoot, "examples", "socket-proxy", "haproxy.cfg") })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BIND"] = "unix@" + Path.Combine(directory, "docker.sock");
        start.Environment["SOCKET_PATH"] = "/var/run/docker.sock";
        start.Environment["LOG_LEVEL"] = "info";
        foreach (var category in categories.Append("PING").Append("VERSION"))
        {
            start.Environment[category] = "1";
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {haproxy}.");
        var proxy = new SocketProxy(process, directory, output);
        output.WriteLine($"socket proxy: {proxy.DockerHost} allowing {string.Join(", ", categories)}, PING, VERSION");
        var waited = Stopwatch.StartNew();
        while (!File.Exists(proxy.SocketPath))
        {
            if (process.HasExited || waited.Elapsed > StartTimeout)
            {
                var log = proxy.Log;
                await proxy.DisposeAsync();
                throw new InvalidOperationException($"haproxy did not come up on {proxy.SocketPath}: {log}");
            }

            await Task.Delay(50, cancellationToken);
        }

        return proxy;
    }

    /// <summary>Everything haproxy printed so far.</summary>
    public string Log
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>The requests logged so far, in order, each with its status and its path without version or query.</summary>
    public IReadOnlyList<ProxyRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines.Select(ProxyRequest.Parse).OfType<ProxyRequest>()];
            }
        }
    }

    /// <summary>Waits until haproxy has logged at least <paramref name="count"/> requests (a request is logged when its connection's stream ends).</summary>
    public async Task<IReadOnlyList<ProxyRequest>> RequestsAfterAsync(int count, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var last = -1;
        while (true)
        {
            var requests = Requests;
            if (requests.Count >= count && requests.Count == last)
            {
                return requests;
            }

            if (waited.Elapsed > TimeSpan.FromSeconds(5))
            {
                return requests;
            }

            last = requests.Count;
            await Task.Delay(200, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException ex)
        {
            _output.WriteLine($"cleanup: could not remove {_directory}: {ex.Message}");
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
        }
    }
}

/// <summary>One request in haproxy's log (its httplog format): status, method, and the path without API version and query.</summary>
internal sealed partial record ProxyRequest(int Status, string Method, string Path)
{
    public static ProxyRequest? Parse(string line)
    {
        var match = HttpLogLine().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var uri = match.Groups["uri"].Value;
        var query = uri.IndexOf('?', StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(query < 0 ? uri : uri[..query]);
        path = VersionPrefix().Replace(path, string.Empty);
        return new ProxyRequest(int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture), match.Groups["method"].Value, path);
    }

    /// <summary>The path with ids and names replaced by the placeholders docs/security.md uses.</summary>
    public string Template => Placeholders.Aggregate(Path, (path, rule) => rule.Pattern.Replace(path, rule.Replacement));

    public override string ToString() => $"{Status} {Method} {Path}";

    private static readonly (Regex Pattern, string Replacement)[] Placeholders =
    [
        (new Regex("^/containers/(?!json$|create$)[^/]+", RegexOptions.CultureInvariant), "/containers/{id}"),
        (new Regex("^/exec/[^/]+", RegexOptions.CultureInvariant), "/exec/{id}"),
        (new Regex("^/volumes/(?!create$)[^/]+", RegexOptions.CultureInvariant), "/volumes/{name}"),
        (new Regex("^/images/(?!json$|create$)(.+)/json$", RegexOptions.CultureInvariant), "/images/{name}/json"),
    ];

    [GeneratedRegex("""\s-?\d+/-?\d+/-?\d+/-?\d+/\+?-?\d+ (?<status>\d{3}) .*"(?<method>[A-Z]+) (?<uri>\S+) HTTP/[\d.]+"\s*$""", RegexOptions.CultureInvariant)]
    private static partial Regex HttpLogLine();

    [GeneratedRegex(@"^/v[\d.]+(?=/)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPrefix();
}
