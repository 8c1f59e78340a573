using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Sftp;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.RemoteEngines;

/// <summary>
/// The test engine behind mutual TLS, as a remote engine started with <c>dockerd --tlsverify</c> looks: socat on a
/// free 127.0.0.1 port with a server certificate, asking for a client certificate signed by the same CA, and
/// forwarding to /var/run/docker.sock. Certificates are made here with openssl: a CA, the server's (for 127.0.0.1
/// and localhost), a client's, and a second CA with a client certificate of its own. Each folder is laid out as
/// DOCKER_CERT_PATH expects (ca.pem, cert.pem, key.pem). The engine behind it is the test engine, or another engine's
/// socket (a <see cref="SecondEngine"/>'s, for a named engine of backup.yml's <c>engines</c>). Disposing ends socat (by its process id) and removes the folder.
/// </summary>
internal sealed class TlsEngineEndpoint : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly StringBuilder _log = new();
    private readonly Lock _gate = new();
    private readonly string _socket;
    private Process? _socat;

    private TlsEngineEndpoint(ITestOutputHelper output, string root, int port, string socket)
    {
        _socket = socket;
        _output = output;
        Root = root;
        Port = port;
    }

    public string Root { get; }

    public int Port { get; }

    public string DockerHost => string.Create(CultureInfo.InvariantCulture, $"tcp://127.0.0.1:{Port}");

    /// <summary>ca.pem, cert.pem and key.pem of the right CA.</summary>
    public string GoodCerts => Path.Combine(Root, "good");

    /// <summary>The right client certificate, but ca.pem is the other CA's: the engine's certificate must be refused.</summary>
    public string WrongCaCerts => Path.Combine(Root, "wrong-ca");

    /// <summary>The right ca.pem, and a client certificate the other CA signed: the engine must refuse it.</summary>
    public string ForeignClientCerts => Path.Combine(Root, "foreign-client");

    /// <summary>Only ca.pem: no client certificate or key.</summary>
    public string NoClientCerts => Path.Combine(Root, "no-client");

    /// <summary>Connections socat accepted so far (its -d -d log), the start's probe included.</summary>
    public int AcceptedConnections
    {
        get
        {
            lock (_gate)
            {
                return _log.ToString().Split('\n').Count(l => l.Contains("accepting connection from", StringComparison.Ordinal));
            }
        }
    }

    /// <summary>Starts the endpoint in front of <paramref name="socket"/> (the test engine's by default).</summary>
    public static async Task<TlsEngineEndpoint> StartAsync(ITestOutputHelper output, CancellationToken cancellationToken, string socket = "/var/run/docker.sock")
    {
        var root = Directory.CreateTempSubdirectory("va-test-tls-").FullName;
        var endpoint = new TlsEngineEndpoint(output, root, TcpPorts.Free(), socket);
        try
        {
            await endpoint.MakeCertificatesAsync(cancellationToken);
            await endpoint.StartSocatAsync(cancellationToken);
            return endpoint;
        }
        catch
        {
            await endpoint.DisposeAsync();
            throw;
        }
    }

    /// <summary>The agent's environment for this endpoint with the certificates of <paramref name="certificates"/>.</summary>
    public Dictionary<string, string> Environment(string certificates) => new(StringComparer.Ordinal)
    {
        ["DOCKER_HOST"] = DockerHost,
        ["DOCKER_TLS_VERIFY"] = "1",
        ["DOCKER_CERT_PATH"] = certificates,
    };

    public ValueTask DisposeAsync()
    {
        if (_socat is { } socat)
        {
            try
            {
                socat.Kill(entireProcessTree: true);
                socat.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (InvalidOperationException)
            {
                // It had ended.
            }

            socat.Dispose();
            lock (_gate)
            {
                _output.WriteLine($"--- socat ---{System.Environment.NewLine}{string.Join('\n', _log.ToString().Split('\n').TakeLast(40))}");
            }
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _output.WriteLine($"cleanup: could not delete {Root}: {ex.Message}");
        }

        return ValueTask.CompletedTask;
    }

    private async Task MakeCertificatesAsync(CancellationToken cancellationToken)
    {
        await SelfSignedAsync("ca", "volume-agent test CA", cancellationToken);
        await SelfSignedAsync("other-ca", "another CA", cancellationToken);
        await SignedAsync("server", "127.0.0.1", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", cancellationToken);
        await SignedAsync("client", "agent", "ca", "extendedKeyUsage=clientAuth\n", cancellationToken);
        await SignedAsync("foreign", "intruder", "other-ca", "extendedKeyUsage=clientAuth\n", cancellationToken);
        Layout(GoodCerts, "ca", "client");
        Layout(WrongCaCerts, "other-ca", "client");
        Layout(ForeignClientCerts, "ca", "foreign");
        Layout(NoClientCerts, "ca", null);
    }

    private async Task SelfSignedAsync(string name, string subject, CancellationToken cancellationToken) =>
        await HostProcess.RunCheckedAsync(
            "openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", $"/CN={subject}", "-keyout", Pem($"{name}-key"), "-out", Pem(name)],
            cancellationToken);

    private async Task SignedAsync(string name, string subject, string ca, string extensions, CancellationToken cancellationToken)
    {
        var extensionFile = Path.Combine(Root, $"{name}.ext");
        await File.WriteAllTextAsync(extensionFile, extensions, cancellationToken);
        await HostProcess.RunCheckedAsync(
            "openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", $"/CN={subject}", "-keyout", Pem($"{name}-key"), "-out", Path.Combine(Root, $"{name}.csr")], cancellationToken);
        await HostProcess.RunCheckedAsync(
            "openssl",
            ["x509", "-req", "-in", Path.Combine(Root, $"{name}.csr"), "-CA", Pem(ca), "-CAkey", Pem($"{ca}-key"), "-CAcreateserial", "-days", "2", "-extfile", extensionFile, "-out", Pem(name)],
            cancellationToken);
    }

    private void Layout(string directory, string ca, string? client)
    {
        Directory.CreateDirectory(directory);
        File.Copy(Pem(ca), Path.Combine(directory, "ca.pem"));
        if (client is not null)
        {
            File.Copy(Pem(client), Path.Combine(directory, "cert.pem"));
            File.Copy(Pem($"{client}-key"), Path.Combine(directory, "key.pem"));
        }
    }

    private string Pem(string name) => Path.Combine(Root, name + ".pem");

    private async Task StartSocatAsync(CancellationToken cancellationToken)
    {
        // -t: after the agent half-closes an exec's stdin, socat keeps carrying the output (its default is 0.5 s).
        var start = new ProcessStartInfo("socat") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "-d", "-d", "-t", "600",
            string.Create(CultureInfo.InvariantCulture, $"OPENSSL-LISTEN:{Port},bind=127.0.0.1,fork,reuseaddr,cert={Pem("server")},key={Pem("server-key")},cafile={Pem("ca")},verify=1"),
            "UNIX-CONNECT:" + _socket,
        })
        {
            start.ArgumentList.Add(argument);
        }

        _socat = Process.Start(start) ?? throw new InvalidOperationException("socat did not start (Debian: apt-get install socat).");
        _socat.ErrorDataReceived += (_, line) =>
        {
            lock (_gate)
            {
                _log.AppendLine(line.Data);
            }
        };
        _socat.BeginErrorReadLine();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using (var probe = new TcpClient())
                {
                    await probe.ConnectAsync("127.0.0.1", Port, cancellationToken);
                }

                // Counted from here on: the probe's own connection is logged first.
                while (AcceptedConnections == 0)
                {
                    await Task.Delay(50, cancellationToken);
                }

                return;
            }
            catch (SocketException) when (waited.Elapsed < TimeSpan.FromSeconds(20) && !_socat.HasExited)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
