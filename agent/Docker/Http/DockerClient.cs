using System.Text.Json;
using Serilog;
using Serilog.Core;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker.Http;

/// <summary>
/// The agent's own client for the Docker Engine API over a unix socket or plain tcp (<see cref="DockerTransport"/>
/// does the HTTP). Opened through <see cref="DockerEngine.FromEnvironment"/>; code outside <c>Docker/</c> sees it as
/// an <see cref="IDockerEngine"/>.
/// </summary>
internal sealed class DockerClient : IDockerEngine, IDisposable
{
    /// <summary>The newest API version whose shapes this client relies on; engines that speak less are asked in theirs.</summary>
    public const string MaxApiVersion = "1.47";

    /// <summary>The oldest API version the client works with (Docker Engine 20.10).</summary>
    public const string MinApiVersion = "1.41";

    public static readonly string UserAgent = $"volume-agent/{typeof(DockerClient).Assembly.GetName().Version?.ToString(3) ?? "0"}";

    private readonly DockerTransport _transport;

    /// <param name="log">Where the client reports what it cannot throw (a stop that failed while an exec was disposed).</param>
    public DockerClient(DockerEndpoint endpoint, DockerClientOptions? options = null, ILogger? log = null)
    {
        _transport = new DockerTransport(endpoint, options ?? new DockerClientOptions());
        Containers = new ContainerOperations(_transport);
        Exec = new ExecOperations(_transport, Containers, log ?? Logger.None);
        Volumes = new VolumeOperations(_transport);
        Images = new ImageOperations(_transport);
    }

    public DockerEndpoint Endpoint => _transport.Endpoint;

    public ContainerOperations Containers { get; }

    public ExecOperations Exec { get; }

    public VolumeOperations Volumes { get; }

    public ImageOperations Images { get; }

    IContainerOperations IDockerEngine.Containers => Containers;

    IExecOperations IDockerEngine.Exec => Exec;

    IVolumeOperations IDockerEngine.Volumes => Volumes;

    IImageOperations IDockerEngine.Images => Images;

    public static DockerClient FromEnvironment(Func<string, string?>? environment = null, ILogger? log = null) =>
        new(DockerEndpoint.FromEnvironment(environment), log: log);

    /// <summary>Asks the engine whether it is there; throws <see cref="DockerUnavailableException"/> when not.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var response = await _transport.SendUnversionedAsync("/_ping", "ping the engine", cancellationToken);
    }

    /// <summary>The API version used for requests: the engine's own when older than ours, else ours.</summary>
    public Task<string> GetApiVersionAsync(CancellationToken cancellationToken) => _transport.GetApiVersionAsync(cancellationToken);

    public Task<EngineVersion> GetVersionAsync(CancellationToken cancellationToken) =>
        _transport.GetJsonAsync("/version", DockerJsonContext.Default.EngineVersion, "read the engine version", cancellationToken);

    /// <summary>Chooses the request version from the engine's; pure, for tests.</summary>
    internal static string Negotiate(string? engineApiVersion)
    {
        if (string.IsNullOrWhiteSpace(engineApiVersion) || !Version.TryParse(engineApiVersion, out var engine))
        {
            return MinApiVersion;
        }

        if (engine < Version.Parse(MinApiVersion))
        {
            throw new DockerApiException(
                $"The Docker engine speaks API {engineApiVersion}, older than the {MinApiVersion} this agent needs (Docker Engine 20.10 or newer). Upgrade the engine.");
        }

        return engine > Version.Parse(MaxApiVersion) ? MaxApiVersion : engineApiVersion;
    }

    internal static string Query(params (string Name, string? Value)[] parameters)
    {
        var parts = parameters
            .Where(p => p.Value is not null)
            .Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}")
            .ToArray();
        return parts.Length == 0 ? string.Empty : "?" + string.Join('&', parts);
    }

    internal static string LabelFilters(IReadOnlyDictionary<string, string?>? labels, params (string Name, string Value)[] extra)
    {
        var filters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (labels is { Count: > 0 })
        {
            filters["label"] = labels.Select(l => l.Value is null ? l.Key : $"{l.Key}={l.Value}").ToList();
        }

        foreach (var group in extra.GroupBy(e => e.Name, StringComparer.Ordinal))
        {
            filters[group.Key] = group.Select(g => g.Value).ToList();
        }

        return JsonSerializer.Serialize(filters, DockerJsonContext.Default.DictionaryStringIReadOnlyListString);
    }

    /// <summary>A GET whose JSON answer is read into <typeparamref name="T"/>; for calls the operations do not cover (tests).</summary>
    internal Task<T> GetJsonAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string operation, CancellationToken cancellationToken) =>
        _transport.GetJsonAsync(path, type, operation, cancellationToken);

    public void Dispose() => _transport.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
