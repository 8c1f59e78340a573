using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VolumeAgent.Policy;

namespace VolumeAgent.Http;

/// <summary>
/// The daemon's HTTP endpoint on Kestrel (the slim builder: no reflection, NativeAOT-clean): one request delegate,
/// <see cref="HttpHandler"/>, behind the bearer token. Started only by the daemon, only when backup.yml has <c>http:</c>.
/// </summary>
internal sealed class HttpEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private HttpEndpoint(WebApplication app) => _app = app;

    /// <exception cref="HttpEndpointException">The address cannot be bound, or the TLS certificate cannot be read.</exception>
    public static async Task<HttpEndpoint> StartAsync(HttpServices services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.Options;
        var certificate = options.Tls ? LoadCertificate(options) : null;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();

        // The daemon handles SIGTERM and stops the endpoint itself; the host's console lifetime would stop it first.
        builder.Services.AddSingleton<IHostLifetime, DaemonLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Listen(options.Listen, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        var app = builder.Build();
        var handler = new HttpHandler(services);
        app.Run(handler.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new HttpEndpointException($"The HTTP endpoint cannot listen on {options.Listen} (http.listen): {ex.Message} Choose a free port or stop what holds it.", ex);
        }

        services.Log.ForEvent(LogEvents.HttpListening).Information(
            "HTTP endpoint listening on {Url}: /healthz, /metrics{Public}, /api/v1, status page at /",
            options.Url,
            options.MetricsPublic ? " (public)" : string.Empty);
        return new HttpEndpoint(app);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(bound.Token);
        await _app.DisposeAsync();
    }

    private static X509Certificate2 LoadCertificate(HttpOptions options)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(options.TlsCertificateFile!, options.TlsKeyFile);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new HttpEndpointException(
                $"Cannot read the HTTPS certificate {options.TlsCertificateFile} with its key {options.TlsKeyFile} (http.tls_certificate_file, http.tls_key_file): {ex.Message} Both must be PEM files, the key unencrypted and matching the certificate.",
                ex);
        }
    }

    /// <summary>A host lifetime that leaves signals to the daemon.</summary>
    private sealed class DaemonLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The HTTP endpoint cannot start; the message names the key and the fix.</summary>
internal sealed class HttpEndpointException : InvalidOperationException
{
    public HttpEndpointException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
