using VolumeAgent.Docker.Models;

namespace VolumeAgent.Tests.Fakes;

/// <summary>A container of the <see cref="FakeDockerEngine"/>: an application's (added by the test) or a helper the agent created.</summary>
internal sealed class FakeContainer
{
    private int _starts;

    public FakeContainer(string id, string name)
    {
        Id = id;
        Name = name;
    }

    public string Id { get; }

    public string Name { get; }

    public bool Running { get; set; }

    public bool Paused { get; set; }

    public string Image { get; init; } = "fake/app:1";

    public IReadOnlyList<string> Env { get; init; } = [];

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The named volumes an application container mounts (a helper's are in its <see cref="Request"/>).</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];

    /// <summary>What the agent asked for when it created this container (helpers only).</summary>
    public ContainerCreateRequest? Request { get; init; }

    /// <summary>Changes with each start, as the engine's State.StartedAt does.</summary>
    public string StartedAt { get; private set; } = "2026-01-01T00:00:00.000000000Z";

    /// <summary>Fails the next start with this engine message (the container does not come back).</summary>
    public string? FailStart { get; set; }

    /// <summary>Fails every pause with this (as the engine layer throws one the kernel cannot freeze); the container runs on.</summary>
    public Exception? FailPause { get; set; }

    public void Start()
    {
        Running = true;
        StartedAt = $"2026-01-01T00:00:{++_starts:00}.000000000Z";
    }

    public ContainerInspect Inspect() => new()
    {
        Id = Id,
        Name = "/" + Name,
        Image = Image,
        State = new ContainerState
        {
            Running = Running,
            Paused = Paused,
            Status = Paused ? "paused" : Running ? "running" : "exited",
            StartedAt = StartedAt,
        },
        Config = new ContainerConfig { Image = Image, Env = Env, Labels = Labels },
    };

    public ContainerSummary Summary() => new()
    {
        Id = Id,
        Names = ["/" + Name],
        Image = Image,
        State = Paused ? "paused" : Running ? "running" : "exited",
        Labels = Labels,
    };
}
