using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Manifest;

namespace VolumeAgent.Sources;

/// <summary>
/// What every source of one run shares: the engine, the helper image, and the labels of the run. A context is for one
/// engine (<see cref="Engine"/>); <see cref="On"/> gives the same run's context for another engine of <see cref="Engines"/>.
/// A helper image the engine lacks is pulled when creating a helper from it fails for that reason (Shared/Helpers/HelperContainer).
/// </summary>
internal sealed class SourceContext
{
    public required IDockerEngine Docker { get; init; }

    /// <summary>The name of <see cref="Docker"/> among the agent's engines.</summary>
    public string Engine { get; init; } = EngineRegistry.DefaultName;

    /// <summary>Every engine the agent reaches, by name; null when only <see cref="Docker"/> is known.</summary>
    public EngineRegistry? Engines { get; init; }

    public required string HelperImage { get; init; }

    public required string Job { get; init; }

    public required string RunId { get; init; }

    /// <summary>The agent process's instance id, so a later start can tell orphans from live work.</summary>
    public required string InstanceId { get; init; }

    public required ContainerResolver Containers { get; init; }

    /// <summary>The run's (or the command's) logger: its lines carry the job and the run id.</summary>
    public required ILogger Log { get; init; }

    /// <summary>The left-behind Swarm volumes this run backs up once more, marked when their artifacts succeed; none when null.</summary>
    public Swarm.LeftBehindMarks? LeftBehind { get; init; }

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SourceContext> _others = new(StringComparer.Ordinal);

    /// <summary>
    /// This run's context on the engine named <paramref name="engine"/> (made once, then shared): its engine from
    /// <see cref="Engines"/>, containers resolved there with the same compose project. Throws
    /// <see cref="EngineNotDefinedException"/> for a name the agent does not know.
    /// </summary>
    public SourceContext On(string engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (engine == Engine)
        {
            return this;
        }

        var engines = Engines ?? throw new EngineNotDefinedException(engine, [Engine]);
        lock (_gate)
        {
            if (!_others.TryGetValue(engine, out var other))
            {
                var docker = engines.Get(engine);
                _others[engine] = other = new SourceContext
                {
                    Docker = docker,
                    Engine = engine,
                    Engines = engines,
                    HelperImage = HelperImage,
                    Job = Job,
                    RunId = RunId,
                    InstanceId = InstanceId,
                    Containers = new ContainerResolver(docker, Containers.Project),
                    Log = Log,
                    LeftBehind = LeftBehind,
                };
            }

            return other;
        }
    }

    public Dictionary<string, string> HelperLabels(string role = "helper")
    {
        var labels = AgentLabels.For(RunId, role, Job);
        labels[AgentLabels.Instance] = InstanceId;
        return labels;
    }
}
