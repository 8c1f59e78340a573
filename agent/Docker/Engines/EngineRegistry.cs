using Serilog;
using Serilog.Core;
using VolumeAgent.Docker.Engine;
using VolumeAgent.Docker.Engine.Remote;

namespace VolumeAgent.Docker.Engines;

/// <summary>
/// Every engine the agent reaches, by name: the default one from the environment (<see cref="DefaultName"/>) and those of
/// backup.yml's <c>engines:</c> map. Sources, stops, restores, drills and sweeps ask it for the engine they work on;
/// it is the one place that opens engines (each on first use, kept open until the registry is disposed).
/// </summary>
internal sealed class EngineRegistry : IAsyncDisposable
{
    /// <summary>The name of the engine of DOCKER_HOST (else the default socket), which a source without <c>engine:</c> uses.</summary>
    public const string DefaultName = "default";

    /// <summary>How long a check of an engine's answer may take before the engine counts as unreachable.</summary>
    public static readonly TimeSpan CheckBound = TimeSpan.FromSeconds(20);

    private readonly Dictionary<string, EngineDefinition> _definitions;
    private readonly Dictionary<string, IDockerEngine> _open = new(StringComparer.Ordinal);
    private readonly HashSet<string> _owned = new(StringComparer.Ordinal);
    private readonly Func<string, string?> _environment;
    private readonly ILogger _log;
    private readonly Lock _gate = new();

    private EngineRegistry(IEnumerable<EngineDefinition> definitions, Func<string, string?> environment, ILogger log)
    {
        _definitions = definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
        _environment = environment;
        _log = log;
        Names = [.. _definitions.Keys];
    }

    /// <summary>Every engine's name, the default first, then backup.yml's in file order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>True when backup.yml defines engines besides the default.</summary>
    public bool HasSeveral => Names.Count > 1;

    /// <summary>The default engine (opened on first use).</summary>
    public IDockerEngine Default => Get(DefaultName);

    /// <summary>
    /// The default engine from the environment plus <paramref name="configured"/>. Throws <see cref="DockerHostException"/>
    /// when DOCKER_HOST names something the agent cannot use.
    /// </summary>
    public static EngineRegistry Create(IReadOnlyList<EngineDefinition>? configured, ILogger? log = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var defaults = new EngineDefinition(DefaultName, DockerEndpoint.FromEnvironment(environment));
        return new EngineRegistry([defaults, .. configured ?? []], environment, log ?? Logger.None);
    }

    /// <summary>A registry over one engine already open, as the default (tests, and callers that opened it themselves); not disposed with the registry.</summary>
    public static EngineRegistry Of(IDockerEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var registry = new EngineRegistry([new EngineDefinition(DefaultName, engine.Endpoint)], Environment.GetEnvironmentVariable, Logger.None);
        registry._open[DefaultName] = engine;
        return registry;
    }

    public bool Has(string name) => _definitions.ContainsKey(name);

    public EngineDefinition Definition(string name) =>
        _definitions.TryGetValue(name, out var definition) ? definition : throw new EngineNotDefinedException(name, Names);

    /// <summary>The engine named <paramref name="name"/>, opened on first use; throws <see cref="EngineNotDefinedException"/> for a name not defined.</summary>
    public IDockerEngine Get(string name)
    {
        var definition = Definition(name);
        lock (_gate)
        {
            if (!_open.TryGetValue(name, out var engine))
            {
                var options = new EngineOptions { Environment = definition.SshConfig is { } config ? Override(SshConnector.ConfigVariable, config) : _environment };
                _open[name] = engine = new LibraryEngine(definition.Endpoint, options, _log);
                _owned.Add(name);
            }

            return engine;
        }
    }

    /// <summary>
    /// Null when the engine answers; else why not, naming the engine, its endpoint and the fix (bounded by
    /// <see cref="CheckBound"/>). Never throws for an engine that is down.
    /// </summary>
    public async Task<string?> ProblemOfAsync(string name, CancellationToken cancellationToken)
    {
        var definition = Definition(name);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(CheckBound);
        try
        {
            await Get(name).PingAsync(bound.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unreachable(definition, $"no answer within {CheckBound.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is DockerUnavailableException or DockerApiException or ArgumentException)
        {
            // The engine layer's fixes speak of the environment; a named engine is set in backup.yml.
            var reason = name == DefaultName
                ? ex.Message
                : ex.Message.Replace("change DOCKER_HOST", $"change engines.{name}.host", StringComparison.Ordinal)
                    .Replace("set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH", "set tls_verify and cert_path", StringComparison.Ordinal);
            return Unreachable(definition, reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<IDockerEngine> owned;
        lock (_gate)
        {
            owned = [.. _open.Where(e => _owned.Contains(e.Key)).Select(e => e.Value)];
            _open.Clear();
        }

        foreach (var engine in owned)
        {
            await engine.DisposeAsync();
        }
    }

    private static string Unreachable(EngineDefinition definition, string reason)
    {
        var fix = definition.Name == DefaultName
            ? "Start it, or point DOCKER_HOST at a running engine"
            : $"Start that engine, or fix engines.{definition.Name} in backup.yml";
        return $"Engine '{definition.Name}' ({definition.Endpoint.Display}) is unreachable: {reason.TrimEnd('.')}. {fix}.";
    }

    private Func<string, string?> Override(string variable, string value) =>
        name => string.Equals(name, variable, StringComparison.Ordinal) ? value : _environment(name);
}
