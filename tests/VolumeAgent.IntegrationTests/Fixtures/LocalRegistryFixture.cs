using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A real image registry (Debian's docker-registry) on 127.0.0.1 with a free port and throwaway storage. The
/// engine treats 127.0.0.0/8 registries as insecure by default, so push and pull work over plain http.
/// </summary>
public sealed class LocalRegistryFixture : IAsyncLifetime
{
    public const string Binary = "/usr/bin/docker-registry";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private Process? _process;
    private string? _directory;

    /// <summary>host:port, as it prefixes image references: 127.0.0.1:PORT.</summary>
    public string Address { get; private set; } = string.Empty;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException(
                $"The image-pull tests need a local registry, and {Binary} is missing. Install it with `apt-get install -y docker-registry` (CI: `bash .ci/run` does).");
        }

        _directory = TestFolders.Create("registry");
        var storage = Directory.CreateDirectory(Path.Combine(_directory, "storage")).FullName;
        var errors = new List<string>();

        // The port is free when asked but could be taken before the registry binds it: try a few.
        for (var attempt = 0; attempt < 3 && Port == 0; attempt++)
        {
            var port = TcpPorts.Free();
            var config = Path.Combine(_directory, "config.yml");
            await File.WriteAllTextAsync(config, Config(storage, port));
            var log = Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"registry-{attempt}.log"));
            var process = Start(config, log);
            if (await WaitUntilServingAsync(process, port))
            {
                _process = process;
                Port = port;
                Address = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}");
                return;
            }

            await StopAsync(process);
            process.Dispose();
            errors.Add(File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no log)");
        }

        throw new InvalidOperationException(
            $"{Binary} did not start serving /v2/ within {StartTimeout.TotalSeconds:0} s. Its log:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await StopAsync(_process);
            _process.Dispose();
            _process = null;
        }

        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    internal static string Config(string storageDirectory, int port) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {storageDirectory}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """);

    /// <summary>
    /// Runs the registry under a shell that waits on our stdin: if this process dies without disposing the
    /// fixture, the pipe closes and the shell stops the registry, so no registry outlives its test run.
    /// </summary>
    private static Process Start(string config, string log)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-c",
            // The shell's own stderr would only report the registry's end ("Terminated") into the test output.
            "exec 2>/dev/null; \"$0\" serve \"$1\" >\"$2\" 2>&1 & child=$!; read -r _; kill \"$child\"; wait \"$child\"",
            Binary,
            config,
            log,
        })
        {
            start.ArgumentList.Add(argument);
        }

        // Environment variables REGISTRY_* override the config file; none may leak in from the machine.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("REGISTRY_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Binary}.");
    }

    private static async Task<bool> WaitUntilServingAsync(Process process, int port)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/v2/"));
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < StartTimeout && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The shell is already gone.
        }

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
