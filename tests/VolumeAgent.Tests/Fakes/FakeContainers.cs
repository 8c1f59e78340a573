using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Tests.Fakes;

/// <summary>The containers of the <see cref="FakeDockerEngine"/>; see there.</summary>
internal sealed class FakeContainers : IContainerOperations
{
    private readonly FakeDockerEngine _engine;
    private readonly ConcurrentDictionary<string, FakeContainer> _containers = new(StringComparer.Ordinal);
    private int _next;

    public FakeContainers(FakeDockerEngine engine) => _engine = engine;

    /// <summary>Every container there is now, helpers included.</summary>
    public IReadOnlyList<FakeContainer> All => [.. _containers.Values];

    /// <summary>An application container the agent may find by name (or by compose labels).</summary>
    public FakeContainer Add(
        string name, bool running = true, IReadOnlyList<string>? env = null, IReadOnlyDictionary<string, string>? labels = null, IReadOnlyList<string>? volumes = null)
    {
        var container = new FakeContainer(NewId(), name) { Env = env ?? [], Labels = labels ?? new Dictionary<string, string>(), Volumes = volumes ?? [] };
        if (running)
        {
            container.Start();
        }

        _containers[container.Id] = container;
        return container;
    }

    public FakeContainer? Find(string idOrName) =>
        _containers.TryGetValue(idOrName, out var byId) ? byId : _containers.Values.FirstOrDefault(c => c.Name == idOrName);

    public Task<string> CreateAsync(ContainerCreateRequest request, string? name, CancellationToken cancellationToken)
    {
        var mounts = request.HostConfig?.Mounts ?? [];
        if (mounts.FirstOrDefault(m => m is { MustExist: true, Type: "volume" } && !_engine.Volumes.Contains(m.Source!)) is { } missing)
        {
            // As the engine answers a must-exist mount of a volume it does not have: nothing is created.
            _engine.Record($"create refused: no volume {missing.Source}");
            throw MissingVolumeException.Of(
                missing.Source!,
                new DockerApiException($"create a container from image {request.Image}", HttpStatusCode.BadRequest, $"create {missing.Source}: invalid option: \"{MissingVolumeException.DriverOption}\""));
        }

        var id = NewId();
        _containers[id] = new FakeContainer(id, name ?? $"helper-{id[..6]}") { Image = request.Image, Request = request, Labels = request.Labels ?? new Dictionary<string, string>() };
        _engine.Record($"create {request.Image} {string.Join(' ', mounts.Select(m => $"{m.Type}:{m.Source}:{m.Target}:{(m.ReadOnly ? "ro" : "rw")}"))}".TrimEnd());
        return Task.FromResult(id);
    }

    public Task StartAsync(string id, CancellationToken cancellationToken)
    {
        var container = Require(id, "start container");
        _engine.Record($"start {container.Name}");
        if (container.FailStart is { } failure)
        {
            container.FailStart = null;
            throw new DockerApiException($"start container {id}", HttpStatusCode.InternalServerError, failure);
        }

        container.Start();
        return Task.CompletedTask;
    }

    /// <summary>A running container never stops by itself here: the wait lasts until the caller gives up.</summary>
    public async Task<ContainerWaitResponse> WaitAsync(string id, CancellationToken cancellationToken, bool nextExit = false)
    {
        var container = Require(id, "wait for container");
        if (container.Running)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return new ContainerWaitResponse { StatusCode = 0 };
    }

    public Task StopAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var container = Require(id, "stop container");
        _engine.Record($"stop {container.Name}");
        container.Running = false;
        return Task.CompletedTask;
    }

    public Task KillAsync(string id, string signal, CancellationToken cancellationToken)
    {
        var container = Require(id, "kill container");
        _engine.Record($"kill {container.Name} {signal}");
        container.Running = false;
        return Task.CompletedTask;
    }

    public Task PauseAsync(string id, CancellationToken cancellationToken)
    {
        var container = Require(id, "pause container");
        _engine.Record($"pause {container.Name}");
        if (container.FailPause is { } failure)
        {
            return Task.FromException(failure);
        }

        container.Paused = true;
        return Task.CompletedTask;
    }

    public Task UnpauseAsync(string id, CancellationToken cancellationToken)
    {
        var container = Require(id, "unpause container");
        _engine.Record($"unpause {container.Name}");
        container.Paused = false;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string id, CancellationToken cancellationToken, bool force = true, bool removeVolumes = true)
    {
        if (_containers.TryRemove(id, out var container))
        {
            _engine.Record($"remove {(container.Request is null ? container.Name : "helper")}");
        }

        return Task.CompletedTask;
    }

    public Task<ContainerInspect> InspectAsync(string idOrName, CancellationToken cancellationToken) =>
        Task.FromResult(Require(idOrName, "inspect container").Inspect());

    public Task<ContainerInspect?> TryInspectAsync(string idOrName, CancellationToken cancellationToken) =>
        Task.FromResult(Find(idOrName)?.Inspect());

    public Task<IReadOnlyList<ContainerSummary>> ListAsync(
        CancellationToken cancellationToken, bool all = true, IReadOnlyDictionary<string, string?>? labels = null, string? name = null)
    {
        IReadOnlyList<ContainerSummary> matches = _containers.Values
            .Where(c => all || c.Running)
            .Where(c => name is null || c.Name.Contains(name, StringComparison.Ordinal))
            .Where(c => labels is null || labels.All(l => c.Labels.TryGetValue(l.Key, out var value) && (l.Value is null || l.Value == value)))
            .Select(c => c.Summary())
            .ToList();
        return Task.FromResult(matches);
    }

    public Task<IReadOnlyList<ContainerSummary>> ListUsingVolumeAsync(string volume, CancellationToken cancellationToken)
    {
        IReadOnlyList<ContainerSummary> users = _containers.Values
            .Where(c => c.Request?.HostConfig?.Mounts?.Any(m => m.Type == "volume" && m.Source == volume) == true || c.Volumes.Contains(volume))
            .Select(c => c.Summary())
            .ToList();
        return Task.FromResult(users);
    }

    public Task<IProcessStreams> AttachAsync(string id, bool stdin, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The fake engine runs no helper processes; the archive API needs none.");

    public Task<Stream> LogsAsync(string id, bool follow, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The fake engine keeps no logs.");

    /// <summary>The tar of the helper's mount at <paramref name="path"/> (its contents as "./…"), from <see cref="FakeDockerEngine.Archives"/>.</summary>
    public Task<Stream> GetArchiveAsync(string id, string path, CancellationToken cancellationToken)
    {
        var container = Require(id, $"read {path} from container");
        var mount = container.Request?.HostConfig?.Mounts?.FirstOrDefault(m => path.StartsWith(m.Target, StringComparison.Ordinal));
        if (mount?.Source is not { } source || !_engine.Archives.TryGetValue(source, out var tar))
        {
            throw FakeDockerEngine.NotFound($"read {path} from container {id}", $"file or directory: {path}");
        }

        _engine.Record($"archive {mount.Type} {source}");
        return Task.FromResult<Stream>(new MemoryStream(tar, writable: false));
    }

    public Task<ContainerPathStat?> StatPathAsync(string id, string path, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The fake engine keeps archives, not files.");

    public Task PutArchiveAsync(string id, string path, Stream tar, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The fake engine does not restore.");

    private FakeContainer Require(string idOrName, string operation) =>
        Find(idOrName) ?? throw FakeDockerEngine.NotFound($"{operation} {idOrName}", $"container: {idOrName}");

    private string NewId() =>
        string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Increment(ref _next):x4}{Guid.NewGuid():N}{Guid.NewGuid():N}")[..64];
}
