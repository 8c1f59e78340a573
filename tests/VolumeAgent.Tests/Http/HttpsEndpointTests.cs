using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using VolumeAgent.Control.Status;
using VolumeAgent.Http;
using VolumeAgent.Http.Api;
using VolumeAgent.Http.Metrics;
using VolumeAgent.Operations;
using VolumeAgent.Tests.Notifiers.Receivers;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Http;

/// <summary>
/// The endpoint on Kestrel with <c>tls_certificate_file</c> and <c>tls_key_file</c>: it answers over HTTPS with that
/// certificate (a client that trusts its CA gets through, the token still applies) and not over plain HTTP.
/// </summary>
public sealed class HttpsEndpointTests : IDisposable
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private readonly string _directory = Directory.CreateTempSubdirectory("va-https-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task StartAsync_WithACertificate_ServesHttpsWithIt_AndNotPlainHttp()
    {
        using var authority = TestCertificates.Authority("https test CA");
        using var server = TestCertificates.Server(authority, "127.0.0.1");
        var certificateFile = Path.Combine(_directory, "cert.pem");
        var keyFile = Path.Combine(_directory, "key.pem");
        await File.WriteAllTextAsync(certificateFile, server.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var port = HttpReceiver.FreePort();
        var policy = PolicyTestHelpers.Load(
            $"http:\n  listen: \"127.0.0.1:{port}\"\n  token_file: /run/secrets/token\n  tls_certificate_file: {certificateFile}\n  tls_key_file: {keyFile}\n"
            + PolicyTestHelpers.Minimal,
            FakePolicyEnvironment.Create(files: new Dictionary<string, string> { ["/run/secrets/token"] = Token + "\n" }));
        var log = Serilog.Core.Logger.None;
        var runs = new RunService(_directory, run: null, verify: null, RunSubscribers.Create(policy, log), TimeProvider.System, log);
        await using var triggered = new TriggeredRuns(runs, TimeProvider.System, log, TimeSpan.FromSeconds(1));
        var services = new HttpServices
        {
            Policy = policy,
            Options = policy.Http!,
            Status = () => new AgentStatus { DaemonRunning = true, GeneratedAt = DateTimeOffset.UtcNow, Jobs = [new JobStatus { Job = "nightly" }] },
            Stores = new Dictionary<string, VolumeAgent.Storage.IBackupStore>(),
            Runs = triggered,
            Metrics = new RunMetricsBook([]),
            Time = TimeProvider.System,
            Log = log,
        };

        await using var endpoint = await HttpEndpoint.StartAsync(services, CancellationToken.None);
        using var trusting = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsTo(authority, certificate) },
        });
        using var plain = new HttpClient();

        policy.Http!.Url.Should().Be($"https://127.0.0.1:{port}");
        (await trusting.GetAsync(new Uri($"https://127.0.0.1:{port}/healthz"))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await trusting.GetAsync(new Uri($"https://127.0.0.1:{port}/api/v1/status"))).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "HTTPS does not replace the token");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"https://127.0.0.1:{port}/api/v1/status"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        (await trusting.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK);
        var cleartext = async () => await plain.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"));
        (await cleartext.Should().ThrowAsync<HttpRequestException>()).Which.Should().NotBeNull("the port speaks TLS only");
    }

    private static bool ChainsTo(X509Certificate2 authority, X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
