using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.S3;

/// <summary>
/// A real S3-compatible server for one test class: s3rver 3.7.1 on a free 127.0.0.1 port with its own data directory
/// and one bucket, behind a <see cref="FaultProxy"/> the agent talks to. The tests inspect the bucket with the AWS SDK
/// (<see cref="Client"/>, straight to the server). s3rver is found through <c>$S3RVER</c> (the path of its
/// <c>.bin/s3rver</c>) or at <see cref="DefaultPath"/>, where <c>.ci/run</c> installs it; without it the tests fail.
/// </summary>
public sealed class S3ServerFixture : IAsyncLifetime, IDisposable
{
    public const string DefaultPath = "/opt/volume-agent-ci/s3rver/node_modules/.bin/s3rver";
    public const string Bucket = "backups";

    /// <summary>The only key pair s3rver accepts.</summary>
    public const string Key = "S3RVER";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("va-test-s3rver-").FullName;
    private Process? _server;
    private FaultProxy? _proxy;

    public int ServerPort { get; private set; }

    /// <summary>What the agent is given as <c>endpoint</c>: the proxy.</summary>
    public string Endpoint => $"http://127.0.0.1:{Proxy.Port}";

    internal FaultProxy Proxy => _proxy ?? throw new InvalidOperationException("The S3 fixture was not started.");

    /// <summary>A client straight to the server (not through the proxy), for what the tests check.</summary>
    public IAmazonS3 Client { get; private set; } = null!;

    public static string FindServer()
    {
        var path = Environment.GetEnvironmentVariable("S3RVER") is { Length: > 0 } configured ? configured : DefaultPath;
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"s3rver was not found at '{path}'. The S3 tests need it: `npm install --prefix /opt/volume-agent-ci/s3rver s3rver@3.7.1` "
                + "(bash .ci/run does this), or set S3RVER to the path of node_modules/.bin/s3rver.");
    }

    public async Task InitializeAsync()
    {
        ServerPort = TcpPorts.Free();
        await StartServerAsync();
        _proxy = new FaultProxy(ServerPort);
        Client = new AmazonS3Client(
            new BasicAWSCredentials(Key, Key),
            new AmazonS3Config
            {
                ServiceURL = $"http://127.0.0.1:{ServerPort}",
                ForcePathStyle = true,
                AuthenticationRegion = "us-east-1",
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            });
    }

    /// <summary>Starts s3rver (again, unless it runs) on <see cref="ServerPort"/> over the same data; returns when it answers.</summary>
    public async Task StartServerAsync()
    {
        if (_server is { HasExited: false })
        {
            return;
        }

        _server?.Dispose();
        var start = new ProcessStartInfo(FindServer())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-d", _dataDirectory, "-a", "127.0.0.1", "-p", ServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--configure-bucket", Bucket, "--silent" })
        {
            start.ArgumentList.Add(argument);
        }

        // s3rver's listing continuation tokens use a cipher OpenSSL 3 (Node 17+) keeps in its legacy provider.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        _server = Process.Start(start) ?? throw new InvalidOperationException("s3rver did not start.");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, ServerPort);
                return;
            }
            catch (SocketException) when (waited.Elapsed < StartTimeout && !_server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Kills s3rver at once, as a crash or a pulled cable would end it.</summary>
    public void StopServer()
    {
        if (_server is { HasExited: false } server)
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit();
        }
    }

    /// <summary>Every key in the bucket under <paramref name="prefix"/>.</summary>
    public async Task<IReadOnlyList<S3Object>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var objects = new List<S3Object>();
        string? token = null;
        do
        {
            var page = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix, ContinuationToken = token }, cancellationToken);
            objects.AddRange(page.S3Objects ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return objects;
    }

    /// <summary>The keys of the job's sets: every key under <c>&lt;prefix&gt;&lt;job&gt;/</c> but the job's <c>latest</c> pointer.</summary>
    public async Task<IReadOnlyList<S3Object>> ListSetObjectsAsync(string jobPrefix, CancellationToken cancellationToken) =>
        [.. (await ListAsync(jobPrefix, cancellationToken)).Where(o => o.Key != jobPrefix + "latest")];

    /// <summary>An object's content as text.</summary>
    public async Task<string> GetTextAsync(string key, CancellationToken cancellationToken)
    {
        using var response = await Client.GetObjectAsync(Bucket, key, cancellationToken);
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            _proxy = null;
        }

        Dispose();
    }

    public void Dispose()
    {
        StopServer();
        _server?.Dispose();
        _server = null;
        Client?.Dispose();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

}
