namespace VolumeAgent.Docker.Models;

internal sealed class ContainerCreateRequest
{
    public required string Image { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Env { get; init; }

    public string? User { get; init; }

    public string? WorkingDir { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public bool AttachStdin { get; init; }

    public bool AttachStdout { get; init; }

    public bool AttachStderr { get; init; }

    public bool OpenStdin { get; init; }

    public bool StdinOnce { get; init; }

    public bool Tty { get; init; }

    public HostConfig? HostConfig { get; init; }
}

internal sealed class HostConfig
{
    public IReadOnlyList<MountSpec>? Mounts { get; init; }

    public IReadOnlyList<string>? Binds { get; init; }

    public string? NetworkMode { get; init; }

    public IReadOnlyList<string>? CapAdd { get; init; }

    public IReadOnlyList<string>? CapDrop { get; init; }

    public IReadOnlyList<string>? SecurityOpt { get; init; }

    public LogConfig? LogConfig { get; init; }

    public bool AutoRemove { get; init; }

    public bool ReadonlyRootfs { get; init; }
}

internal sealed class MountSpec
{
    /// <summary>volume | bind | tmpfs.</summary>
    public required string Type { get; init; }

    public string? Source { get; init; }

    public required string Target { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>
    /// For a named volume: it must exist already. The engine would create a volume a container mounts by a name it does
    /// not know (an empty one, for a typo); with this the creation fails with <see cref="MissingVolumeException"/> instead.
    /// Needs no volume call, so no VOLUMES in a socket proxy's allow-list.
    /// </summary>
    public bool MustExist { get; init; }
}

internal sealed class LogConfig
{
    public required string Type { get; init; }
}

internal sealed class ContainerWaitResponse
{
    public long StatusCode { get; init; }

    public ErrorResponse? Error { get; init; }
}

internal sealed class ContainerInspect
{
    public required string Id { get; init; }

    public string? Name { get; init; }

    public string? Image { get; init; }

    public ContainerState? State { get; init; }

    public ContainerConfig? Config { get; init; }

    public IReadOnlyList<MountPoint>? Mounts { get; init; }

    /// <summary>The container's execs the engine lists (engine 20.10: those running).</summary>
    public IReadOnlyList<string>? ExecIds { get; init; }
}

internal sealed class ContainerState
{
    public string? Status { get; init; }

    public bool Running { get; init; }

    public bool Paused { get; init; }

    public bool Restarting { get; init; }

    public bool OOMKilled { get; init; }

    public bool Dead { get; init; }

    public int Pid { get; init; }

    public long ExitCode { get; init; }

    public string? Error { get; init; }

    /// <summary>When the container's process last started, as the engine writes it (RFC 3339, nanoseconds); each start changes it.</summary>
    public string? StartedAt { get; init; }

    /// <summary>When the container's process last ended, as the engine writes it.</summary>
    public string? FinishedAt { get; init; }
}

internal sealed class ContainerConfig
{
    public string? Image { get; init; }

    public string? User { get; init; }

    public IReadOnlyList<string>? Env { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

internal sealed class MountPoint
{
    public string? Type { get; init; }

    public string? Name { get; init; }

    public string? Source { get; init; }

    public string? Destination { get; init; }

    public bool RW { get; init; }
}

internal sealed class ContainerSummary
{
    public required string Id { get; init; }

    public IReadOnlyList<string>? Names { get; init; }

    public string? Image { get; init; }

    public string? State { get; init; }

    public string? Status { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>The first name without its leading slash.</summary>
    public string DisplayName => Names is { Count: > 0 } names ? names[0].TrimStart('/') : Id[..Math.Min(12, Id.Length)];
}
