using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Retry;

namespace VolumeAgent.Docker.Http;

/// <summary>
/// The HTTP side of <see cref="DockerClient"/>: one connection pool to the endpoint, requests versioned with the API
/// version negotiated on first use, idempotent calls retried after a transient failure, the engine's error answers
/// turned into <see cref="DockerApiException"/>s, and hijacked connections for exec and attach.
/// </summary>
internal sealed class DockerTransport : IDisposable
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _negotiation = new(1, 1);
    private string? _apiVersion;
    private int _disposed;

    public DockerTransport(DockerEndpoint endpoint, DockerClientOptions options)
    {
        Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        ArgumentNullException.ThrowIfNull(options);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) => await endpoint.ConnectAsync(ct),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
            AllowAutoRedirect = false,
        };
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = endpoint.BaseAddress,
            // Streams (archives, dumps, pulls) run for as long as they run; each call bounds itself by its token.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(DockerClient.UserAgent);
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.RetryAttempts,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            })
            .Build();
    }

    public DockerEndpoint Endpoint { get; }

    /// <summary>The API version used for requests: the engine's own when older than ours, else ours.</summary>
    public async Task<string> GetApiVersionAsync(CancellationToken cancellationToken)
    {
        if (_apiVersion is not null)
        {
            return _apiVersion;
        }

        await _negotiation.WaitAsync(cancellationToken);
        try
        {
            if (_apiVersion is null)
            {
                using var response = await SendUnversionedAsync("/_ping", "ping the engine", cancellationToken);
                var engineVersion = response.Headers.TryGetValues("API-Version", out var values) ? values.FirstOrDefault() : null;
                _apiVersion = DockerClient.Negotiate(engineVersion);
            }

            return _apiVersion;
        }
        finally
        {
            _negotiation.Release();
        }
    }

    public async Task<T> GetJsonAsync<T>(string path, JsonTypeInfo<T> type, string operation, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, operation, idempotent: true, cancellationToken);
        return await ReadJsonAsync(response, type, operation, cancellationToken);
    }

    public async Task<TResult> PostJsonAsync<TBody, TResult>(
        string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TResult> resultType, string operation, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, path, () => JsonContent(body, bodyType), operation, idempotent: false, cancellationToken);
        return await ReadJsonAsync(response, resultType, operation, cancellationToken);
    }

    public static HttpContent JsonContent<T>(T body, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>
    /// Sends a versioned request and returns the answer once its headers are in; the body is the caller's to
    /// read (and dispose). A non-success answer becomes a <see cref="DockerApiException"/> with the engine's message.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string path,
        Func<HttpContent>? content,
        string operation,
        bool idempotent,
        CancellationToken cancellationToken,
        params HttpStatusCode[] alsoAccepted)
    {
        var version = await GetApiVersionAsync(cancellationToken);
        var uri = new Uri($"/v{version}{path}", UriKind.Relative);
        async ValueTask<HttpResponseMessage> Attempt(CancellationToken ct)
        {
            using var request = new HttpRequestMessage(method, uri) { Content = content?.Invoke() };

            // A streamed body is sent only once the engine accepts the request. An engine refusing it (no such
            // container or path) answers without reading and closes the connection; an upload already under
            // way would then fail with a broken pipe that hides the engine's answer.
            if (request.Content is StreamContent)
            {
                request.Headers.ExpectContinue = true;
            }

            var response = await SendRawAsync(request, ct);
            if (response.IsSuccessStatusCode || alsoAccepted.Contains(response.StatusCode))
            {
                return response;
            }

            using (response)
            {
                throw await ToApiExceptionAsync(response, operation, ct);
            }
        }

        return idempotent
            ? await _retry.ExecuteAsync(Attempt, cancellationToken)
            : await Attempt(cancellationToken);
    }

    /// <summary>Opens a hijacked connection (exec start, attach) on the negotiated version.</summary>
    public async Task<HijackedStream> HijackAsync(string path, byte[]? jsonBody, string operation, CancellationToken cancellationToken)
    {
        var version = await GetApiVersionAsync(cancellationToken);
        return await HijackedStream.OpenAsync(Endpoint, $"/v{version}{path}", jsonBody, operation, cancellationToken);
    }

    public async Task<HttpResponseMessage> SendUnversionedAsync(string path, string operation, CancellationToken cancellationToken)
    {
        return await _retry.ExecuteAsync(
            async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
                var response = await SendRawAsync(request, ct);
                if (response.IsSuccessStatusCode)
                {
                    return response;
                }

                using (response)
                {
                    throw await ToApiExceptionAsync(response, operation, ct);
                }
            },
            cancellationToken);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _http.Dispose();
            _negotiation.Dispose();
        }
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        DockerApiException api => api.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
        DockerUnavailableException => true,
        HttpRequestException => true,
        _ => false,
    };

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or IOException || ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new DockerUnavailableException(Endpoint, ex);
        }
    }

    private static async Task<DockerApiException> ToApiExceptionAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            body = [];
        }

        return new DockerApiException(operation, response.StatusCode, HijackedStream.ExtractMessage(body));
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, string operation, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var value = await JsonSerializer.DeserializeAsync(stream, type, cancellationToken);
        return value ?? throw new InvalidDataException(
            string.Create(CultureInfo.InvariantCulture, $"The engine's answer to '{operation}' was empty."));
    }
}

internal sealed class DockerClientOptions
{
    /// <summary>Retries of idempotent calls after a transient failure (connection lost, 502/503/504).</summary>
    public int RetryAttempts { get; init; } = 3;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}
