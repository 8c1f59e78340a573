using System.Globalization;
using System.Text.Json;
using VolumeAgent.Docker.Models;
using Lib = Docker.DotNet.Models;

namespace VolumeAgent.Docker.Engine;

/// <summary>The library's models to the agent's (<c>Docker/Models</c>) and back: the one place that knows both.</summary>
internal static class ModelMapping
{
    /// <summary>The value of every declared VOLUME path (the engine sends an empty object).</summary>
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static Lib.CreateContainerParameters ToLibrary(ContainerCreateRequest request, string? name) => new()
    {
        Name = name,
        Image = request.Image,
        Cmd = request.Cmd?.ToList()!,
        Entrypoint = request.Entrypoint?.ToList()!,
        Env = request.Env?.ToList()!,
        User = request.User ?? string.Empty,
        WorkingDir = request.WorkingDir ?? string.Empty,
        Labels = request.Labels?.ToDictionary(StringComparer.Ordinal)!,
        AttachStdin = request.AttachStdin,
        AttachStdout = request.AttachStdout,
        AttachStderr = request.AttachStderr,
        OpenStdin = request.OpenStdin,
        StdinOnce = request.StdinOnce,
        Tty = request.Tty,
        HostConfig = request.HostConfig is { } host ? ToLibrary(host) : null,
    };

    public static ContainerInspect FromLibrary(Lib.ContainerInspectResponse inspect) => new()
    {
        Id = inspect.ID,
        ExecIds = inspect.ExecIDs?.ToList(),
        Name = inspect.Name,
        Image = inspect.Image,
        State = inspect.State is { } state
            ? new ContainerState
            {
                Status = state.Status,
                Running = state.Running,
                Paused = state.Paused,
                Restarting = state.Restarting,
                OOMKilled = state.OOMKilled,
                Dead = state.Dead,
                Pid = checked((int)state.Pid),
                ExitCode = state.ExitCode,
                Error = state.Error,
                StartedAt = state.StartedAt,
                FinishedAt = state.FinishedAt,
            }
            : null,
        Config = inspect.Config is { } config
            ? new ContainerConfig
            {
                Image = config.Image,
                User = config.User,
                Env = ReadOnly(config.Env),
                Cmd = ReadOnly(config.Cmd),
                Labels = ReadOnly(config.Labels),
            }
            : null,
        Mounts = inspect.Mounts?.Select(m => new MountPoint
        {
            Type = m.Type,
            Name = m.Name,
            Source = m.Source,
            Destination = m.Destination,
            RW = m.RW,
        }).ToList(),
    };

    public static ContainerSummary FromLibrary(Lib.ContainerListResponse container) => new()
    {
        Id = container.ID,
        Names = ReadOnly(container.Names),
        Image = container.Image,
        State = container.State,
        Status = container.Status,
        Labels = ReadOnly(container.Labels),
    };

    public static ContainerWaitResponse FromLibrary(Lib.ContainerWaitResponse wait) => new()
    {
        StatusCode = wait.StatusCode,
        Error = wait.Error?.Message is { } message ? new ErrorResponse { Message = message } : null,
    };

    public static ContainerPathStat FromLibrary(Lib.ContainerPathStatResponse stat) => new()
    {
        Name = stat.Name,
        Size = stat.Size,
        Mode = stat.Mode,
        Mtime = stat.Mtime.ToString("o", CultureInfo.InvariantCulture),
        LinkTarget = stat.LinkTarget,
    };

    public static VolumeInfo FromLibrary(Lib.VolumeResponse volume) => new()
    {
        Name = volume.Name,
        Driver = volume.Driver,
        Mountpoint = volume.Mountpoint,
        Scope = volume.Scope,
        CreatedAt = volume.CreatedAt,
        Labels = ReadOnly(volume.Labels),
    };

    public static ImageInspect FromLibrary(Lib.ImageInspectResponse image) => new()
    {
        Id = image.ID,
        RepoTags = ReadOnly(image.RepoTags),
        RepoDigests = ReadOnly(image.RepoDigests),
        Os = image.Os,
        Architecture = image.Architecture,
        Size = image.Size,
        Config = image.Config is { } config
            ? new ImageConfig
            {
                Env = ReadOnly(config.Env),
                Volumes = config.Volumes?.ToDictionary(v => v.Key, _ => EmptyObject, StringComparer.Ordinal),
            }
            : null,
    };

    public static ImageSummary FromLibrary(Lib.ImagesListResponse image) => new()
    {
        Id = image.ID,
        RepoTags = ReadOnly(image.RepoTags),
        Labels = ReadOnly(image.Labels),
        Size = image.Size,
    };

    public static EngineVersion FromLibrary(Lib.VersionResponse version) => new()
    {
        Version = version.Version,
        ApiVersion = version.APIVersion,
        MinApiVersion = version.MinAPIVersion,
        Os = version.Os,
        Arch = version.Arch,
        KernelVersion = version.KernelVersion,
        GitCommit = version.GitCommit,
    };

    public static EngineInfo FromLibrary(Lib.SystemInfoResponse info) => new()
    {
        Name = info.Name,
        SwarmNodeId = info.Swarm?.NodeID,
        SwarmState = info.Swarm?.LocalNodeState,
        IsSwarmManager = info.Swarm?.ControlAvailable ?? false,
    };

    public static SwarmTask FromLibrary(Lib.TaskResponse task) => new()
    {
        Id = task.ID,
        NodeId = task.NodeID,
        Slot = task.Slot ?? 0,
        DesiredState = task.DesiredState?.ToString()?.ToLowerInvariant(),
        State = task.Status?.State?.ToString()?.ToLowerInvariant(),
    };

    public static ProgressMessage FromLibrary(Lib.JSONMessage message) => new()
    {
        Id = message.ID,
        Status = message.Status,
        Progress = message.Progress is { Current: { } current } progress
            ? progress.Total is { } total ? $"{current}/{total}" : current.ToString(CultureInfo.InvariantCulture)
            : null,
        Error = message.Error?.Message,
        ErrorDetail = message.Error?.Message is { } error ? new ErrorResponse { Message = error } : null,
    };

    /// <summary>
    /// The engine's list filters: each label as <c>key=value</c> (a null value: <c>key</c>, the label with any value),
    /// plus the extra filters given, e.g. <c>name</c> or <c>volume</c>; null when there is none.
    /// </summary>
    public static IDictionary<string, IDictionary<string, bool>>? Filters(
        IReadOnlyDictionary<string, string?>? labels, params (string Name, string Value)[] extra)
    {
        var filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal);
        if (labels is { Count: > 0 })
        {
            filters["label"] = labels.ToDictionary(l => l.Value is null ? l.Key : $"{l.Key}={l.Value}", _ => true, StringComparer.Ordinal);
        }

        foreach (var (filter, value) in extra)
        {
            if (!filters.TryGetValue(filter, out var values))
            {
                filters[filter] = values = new Dictionary<string, bool>(StringComparer.Ordinal);
            }

            values[value] = true;
        }

        return filters.Count == 0 ? null : filters;
    }

    private static Lib.HostConfig ToLibrary(HostConfig host) => new()
    {
        Mounts = host.Mounts?.Select(ToLibrary).ToList(),
        Binds = host.Binds?.ToList()!,
        NetworkMode = host.NetworkMode ?? string.Empty,
        CapAdd = host.CapAdd?.ToList()!,
        CapDrop = host.CapDrop?.ToList()!,
        SecurityOpt = host.SecurityOpt?.ToList()!,
        LogConfig = host.LogConfig is { } log ? new Lib.LogConfig { Type = log.Type } : null!,
        AutoRemove = host.AutoRemove,
        ReadonlyRootfs = host.ReadonlyRootfs,
    };

    /// <summary>
    /// A mount; one that <see cref="MountSpec.MustExist"/> carries a local-driver option no volume accepts
    /// (<see cref="MissingVolumeException.DriverOption"/>). The engine ignores the options of a volume that exists, and
    /// refuses to create one with it, so a missing volume fails the container's creation instead of being made empty.
    /// </summary>
    private static Lib.Mount ToLibrary(MountSpec mount) => new()
    {
        Type = mount.Type,
        Source = mount.Source,
        Target = mount.Target,
        ReadOnly = mount.ReadOnly,
        VolumeOptions = mount is { MustExist: true, Type: "volume" }
            ? new Lib.VolumeOptions
            {
                DriverConfig = new Lib.Driver { Options = new Dictionary<string, string>(StringComparer.Ordinal) { [MissingVolumeException.DriverOption] = "refuse-creation" } },
            }
            : null!,
    };

    private static List<string>? ReadOnly(IList<string>? values) => values?.ToList();

    private static Dictionary<string, string>? ReadOnly(IDictionary<string, string>? values) =>
        values?.ToDictionary(StringComparer.Ordinal);
}
