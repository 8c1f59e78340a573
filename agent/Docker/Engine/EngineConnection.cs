using System.Net;
using Docker.DotNet;
using Docker.DotNet.LegacyHttp;
using Polly;
using VolumeAgent.Docker.Engine.Remote;
using Polly.Retry;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// The library's clients for one endpoint: an unversioned one that asks the engine which API it speaks, and one pinned
/// to the version negotiated from that answer (<see cref="ApiVersion.Negotiate"/>), which makes every other call. Each
/// call goes through <see cref="CallAsync{T}"/>: idempotent ones are retried after a transient failure, and the
/// library's errors become the agent's (<see cref="EngineErrors"/>).
/// </summary>
internal sealed class EngineConnection : IDisposable
{
    private readonly DockerClient _unversioned;
    private readonly ResiliencePipeline _retry;
    private readonly TlsConnector? _tls;
    private readonly SshConnector? _ssh;
    private readonly SemaphoreSlim _negotiation = new(1, 1);
    private DockerClient? _client;
    private string? _apiVersion;
    private int _disposed;

    public EngineConnection(DockerEndpoint endpoint, EngineOptions options)
    {
        Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _tls = endpoint.Tls is null ? null : new TlsConnector(endpoint, options.Time);
        _ssh = endpoint.Ssh is null ? null : new SshConnector(endpoint, options.Environment);
        _unversioned = Build(null);
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

    public EngineOptions Options { get; }

    /// <summary>The API version calls are made in, negotiated on first use: the engine's own when older than ours, else ours.</summary>
    public async Task<string> GetApiVersionAsync(CancellationToken cancellationToken)
    {
        await NegotiatedClientAsync(cancellationToken);
        return _apiVersion!;
    }

    /// <summary>A call on the negotiated client; <paramref name="operation"/> says what was asked, for messages.</summary>
    public async Task<T> CallAsync<T>(
        string operation, bool idempotent, Func<DockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var client = await NegotiatedClientAsync(cancellationToken);
        return await RunAsync(client, operation, idempotent, call, cancellationToken);
    }

    public Task CallAsync(string operation, bool idempotent, Func<DockerClient, CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync<bool>(
            operation,
            idempotent,
            async (client, ct) =>
            {
                await call(client, ct);
                return true;
            },
            cancellationToken);

    /// <summary>A call that needs no API version (ping, version), on the unversioned client.</summary>
    public Task<T> CallUnversionedAsync<T>(string operation, Func<DockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        RunAsync(_unversioned, operation, idempotent: true, call, cancellationToken);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client?.Dispose();
            _unversioned.Dispose();
            _negotiation.Dispose();
            _tls?.Dispose();
        }
    }

    /// <summary>
    /// The library's client for the endpoint: its legacy HTTP handler (the one that can half-close an exec's stdin) over
    /// our own connections for a socket (<see cref="UnixSocketStream"/>, buffered), TLS and ssh (<see cref="RemoteTransport"/>),
    /// and over its own for plain tcp; no timeout of its own (archives and dumps run as long as they run; each
    /// call is bounded by its token).
    /// </summary>
    private DockerClient Build(Version? apiVersion)
    {
        var builder = new DockerClientBuilder()
            .WithEndpoint(LibraryUri(Endpoint))
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .WithApiVersion(apiVersion)
            .WithAuthProvider(ProxyRefusals.Instance);
        return (_tls, _ssh) switch
        {
            ({ } tls, _) => builder.WithTransportOptions(RemoteTransport.Instance, new RemoteTransport.Options(tls.OpenAsync, LibraryUri(Endpoint))).Build(),
            (_, { } ssh) => builder.WithTransportOptions(RemoteTransport.Instance, new RemoteTransport.Options(ssh.OpenAsync, LibraryUri(Endpoint))).Build(),
            _ when Endpoint.SocketPath is { } socket => builder.WithTransportOptions(
                RemoteTransport.Instance, new RemoteTransport.Options(ct => UnixSocketStream.ConnectAsync(socket, ct), SocketRequestUri)).Build(),
            _ => builder.WithTransportOptions(new LegacyHttpTransportOptions()).Build(),
        };
    }

    /// <summary>
    /// A new connection of the agent's own to the endpoint (the same the library's calls go over), for the one request
    /// written by hand (<see cref="ExecStart"/>); a plain tcp endpoint gets a buffered socket like the unix one's.
    /// </summary>
    internal Task<Stream> OpenAsync(CancellationToken cancellationToken) => (_tls, _ssh) switch
    {
        ({ } tls, _) => tls.OpenAsync(cancellationToken),
        (_, { } ssh) => ssh.OpenAsync(cancellationToken),
        _ when Endpoint.SocketPath is { } socket => UnixSocketStream.ConnectAsync(socket, cancellationToken),
        _ => UnixSocketStream.ConnectTcpAsync(Endpoint.Tcp!.Host, Endpoint.Tcp.Port, cancellationToken),
    };

    /// <summary>The Host header of a request written by hand: what the library's requests name.</summary>
    internal string HostHeader => Endpoint.SocketPath is not null ? SocketRequestUri.Authority : LibraryUri(Endpoint).Authority;

    /// <summary>What requests over the socket name (the Host header; the engine does not look at it).</summary>
    private static readonly Uri SocketRequestUri = new("http://localhost");

    /// <summary>The URI the library is given: the socket's, tcp's, or for ssh one that only names the Host header (as the docker CLI's).</summary>
    internal static Uri LibraryUri(DockerEndpoint endpoint) => endpoint switch
    {
        { SocketPath: { } path } => new Uri("unix://" + path),
        { Ssh: not null } => new Uri("http://docker.example.com"),
        { Tls: not null } => new Uri($"http://{endpoint.Tcp!.Host}:{endpoint.Tcp.Port}"),
        _ => new Uri($"tcp://{endpoint.Tcp!.Host}:{endpoint.Tcp.Port}"),
    };

    private async Task<DockerClient> NegotiatedClientAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _client) is { } ready)
        {
            return ready;
        }

        await _negotiation.WaitAsync(cancellationToken);
        try
        {
            if (_client is null)
            {
                var version = await CallUnversionedAsync("read the engine's API version", (c, ct) => c.System.GetVersionAsync(ct), cancellationToken);
                var chosen = ApiVersion.Negotiate(version.APIVersion);
                _apiVersion = chosen;
                Volatile.Write(ref _client, Build(Version.Parse(chosen)));
            }

            return _client;
        }
        finally
        {
            _negotiation.Release();
        }
    }

    private async Task<T> RunAsync<T>(
        DockerClient client, string operation, bool idempotent, Func<DockerClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        async ValueTask<T> Attempt(CancellationToken ct)
        {
            try
            {
                return await call(client, ct);
            }
            catch (Exception ex) when (EngineErrors.Map(ex, operation, Endpoint, ct) is { } mapped)
            {
                throw mapped;
            }
        }

        return idempotent
            ? await _retry.ExecuteAsync(Attempt, cancellationToken)
            : await Attempt(cancellationToken);
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        DockerApiException api => api.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
        DockerUnavailableException unavailable => !unavailable.Permanent,
        _ => false,
    };
}

/// <summary>How the engine's calls are retried.</summary>
internal sealed class EngineOptions
{
    /// <summary>Retries of idempotent calls after a transient failure (connection lost, 502/503/504).</summary>
    public int RetryAttempts { get; init; } = 3;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a pause the kernel cannot freeze yet is asked again (see <see cref="ContainerOperations.PauseAsync"/>).</summary>
    public TimeSpan FreezeBound { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan FreezeRetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The clock certificates' validity is checked against.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the ssh transport reads <see cref="SshConnector.ConfigVariable"/>.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
}
