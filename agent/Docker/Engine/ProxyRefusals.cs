using System.Net;
using Docker.DotNet.Handler.Abstractions;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// Tells a socket proxy's refusal from the engine's own answers. A proxy in front of the socket (haproxy as
/// tecnativa/docker-socket-proxy configures it) refuses a request outside its allow-list with a 403 that is not the
/// engine's JSON; the library would report it as a bare "Forbidden" without saying which request it was. This wraps
/// every transport's handler (the library's auth-provider seam, which it applies to whatever transport it builds) and
/// turns such an answer into a <see cref="RequestRefusedException"/> naming the method, the path and the category to
/// allow; <see cref="EngineErrors"/> makes it the call's <see cref="DockerApiException"/>.
/// </summary>
internal sealed class ProxyRefusals : IAuthProvider
{
    public static readonly ProxyRefusals Instance = new();

    private ProxyRefusals()
    {
    }

    /// <summary>No TLS from the library: the agent's own connectors do TLS (Remote/).</summary>
    public bool TlsEnabled => false;

    public HttpMessageHandler ConfigureHandler(HttpMessageHandler handler) => new Handler(handler);

    /// <summary>True for a 403 that the engine did not write (the engine answers every error with JSON).</summary>
    internal static bool IsProxyRefusal(HttpResponseMessage response) =>
        IsProxyRefusal(response.StatusCode, response.Content.Headers.ContentType?.MediaType);

    /// <summary>As above, for an answer read by hand (<see cref="ExecStart"/>): its status and media type.</summary>
    internal static bool IsProxyRefusal(HttpStatusCode status, string? mediaType) =>
        status == HttpStatusCode.Forbidden && mediaType is not "application/json";

    private sealed class Handler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (IsProxyRefusal(response))
            {
                response.Dispose();
                throw new RequestRefusedException(request.Method.Method, request.RequestUri?.AbsolutePath ?? "/");
            }

            return response;
        }
    }
}

/// <summary>A proxy in front of the engine refused a request: its method, path and the allow-list category it falls in.</summary>
internal sealed class RequestRefusedException : Exception
{
    public RequestRefusedException(string method, string path)
        : base(BuildMessage(method, path))
    {
        Method = method;
        Path = path;
        Category = SocketProxyCategory.Of(path);
    }

    public RequestRefusedException()
    {
        Method = Path = Category = string.Empty;
    }

    public RequestRefusedException(string message)
        : base(message)
    {
        Method = Path = Category = string.Empty;
    }

    public RequestRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Method = Path = Category = string.Empty;
    }

    public string Method { get; }

    public string Path { get; }

    /// <summary>The tecnativa/docker-socket-proxy category of the path (CONTAINERS, EXEC, VOLUMES, ...).</summary>
    public string Category { get; }

    private static string BuildMessage(string method, string path)
    {
        var category = SocketProxyCategory.Of(path);
        var allow = SocketProxyCategory.NeedsPost(method) ? $"{category} and POST" : category;
        return $"a proxy in front of the engine refused {method} {SocketProxyCategory.WithoutVersion(path)} (HTTP 403, not the engine's answer): "
            + $"allow {allow} in the socket proxy (docs/security.md lists what each command needs)";
    }
}
