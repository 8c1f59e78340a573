using System.Net;

namespace VolumeAgent.Policy;

/// <summary>
/// The root <c>http:</c> of backup.yml: where the daemon's HTTP endpoint listens (metrics, status page, API) and
/// the bearer token it asks for. Absent, nothing listens.
/// </summary>
internal sealed record HttpOptions
{
    /// <summary>The address and port to bind, e.g. 127.0.0.1:8080 (0.0.0.0:8080 inside a container).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The bearer token every request but <c>/healthz</c> (and <c>/metrics</c> when public) must carry.</summary>
    public required Secret Token { get; init; }

    /// <summary>The file the token was read from (for messages; never the token).</summary>
    public required string TokenFile { get; init; }

    /// <summary>True: <c>/metrics</c> answers without the token (a Prometheus on a trusted network).</summary>
    public bool MetricsPublic { get; init; }

    /// <summary>A PEM certificate (chain) to serve HTTPS with; null serves plain HTTP.</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>The PEM private key of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; init; }

    public bool Tls => TlsCertificateFile is not null;

    /// <summary>The base address, e.g. http://127.0.0.1:8080.</summary>
    public string Url => $"{(Tls ? "https" : "http")}://{Listen}";
}
