using System.Net;
using VolumeAgent.Docker.Models;
using Lib = Docker.DotNet.Models;

namespace VolumeAgent.Docker.Engine;

/// <summary>Containers through the library's container calls; streams are handed out as the library streams them.</summary>
internal sealed class ContainerOperations : IContainerOperations
{
    private readonly EngineConnection _engine;

    internal ContainerOperations(EngineConnection engine) => _engine = engine;

    /// <summary>Creates the container; a must-exist volume it mounts that is not there throws <see cref="MissingVolumeException"/>.</summary>
    public async Task<string> CreateAsync(ContainerCreateRequest request, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var created = await _engine.CallAsync(
                $"create a container from image {request.Image}",
                idempotent: false,
                (c, ct) => c.Containers.CreateContainerAsync(ModelMapping.ToLibrary(request, name), ct),
                cancellationToken);
            return created.ID;
        }
        catch (DockerApiException ex) when (MissingVolumeException.MissingOf(ex, request.HostConfig?.Mounts) is { } volume)
        {
            throw MissingVolumeException.Of(volume, ex);
        }
    }

    /// <summary>Starts the container; one already running (the engine answers 304) counts as started.</summary>
    public Task StartAsync(string id, CancellationToken cancellationToken) =>
        _engine.CallAsync($"start container {id}", idempotent: false, (c, ct) => c.Containers.StartContainerAsync(id, null, ct), cancellationToken);

    /// <summary>
    /// Waits for the container to stop. The library's wait call has no <c>condition</c>: it waits for "not-running",
    /// which is what every caller asks; <paramref name="nextExit"/> (no caller uses it) is refused rather than ignored.
    /// </summary>
    public async Task<ContainerWaitResponse> WaitAsync(string id, CancellationToken cancellationToken, bool nextExit = false)
    {
        if (nextExit)
        {
            throw new NotSupportedException(
                $"Waiting for the next exit of container {id} is not supported: the engine client has no wait condition. Start the container, then wait for it.");
        }

        var result = await _engine.CallAsync($"wait for container {id}", idempotent: false, (c, ct) => c.Containers.WaitContainerAsync(id, ct), cancellationToken);
        return ModelMapping.FromLibrary(result);
    }

    /// <summary>Stops the container (SIGTERM, then SIGKILL after <paramref name="timeout"/>); one already stopped (304) counts as stopped.</summary>
    public Task StopAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seconds = (uint)Math.Ceiling(Math.Max(0, timeout.TotalSeconds));
        return _engine.CallAsync(
            $"stop container {id}",
            idempotent: true,
            (c, ct) => c.Containers.StopContainerAsync(id, new Lib.ContainerStopParameters { WaitBeforeKillSeconds = seconds }, ct),
            cancellationToken);
    }

    public Task KillAsync(string id, string signal, CancellationToken cancellationToken) =>
        _engine.CallAsync(
            $"send {signal} to container {id}",
            idempotent: false,
            (c, ct) => c.Containers.KillContainerAsync(id, new Lib.ContainerKillParameters { Signal = signal }, ct),
            cancellationToken);

    /// <summary>
    /// Pauses the container. The kernel cannot freeze a process in uninterruptible sleep (waiting on disk or network
    /// I/O); the engine then answers that it could not freeze it and leaves the container running, and the same pause
    /// succeeds once the process is out of it. Such a refusal is asked again every <see cref="EngineOptions.FreezeRetryDelay"/>
    /// until <see cref="EngineOptions.FreezeBound"/> has passed, then thrown as <see cref="ContainerFreezeException"/>.
    /// A loop rather than the retry pipeline: the bound is a time, not a count (one refusal takes 0.3 s on cgroup v1, 10 s on v2).
    /// </summary>
    public async Task PauseAsync(string id, CancellationToken cancellationToken)
    {
        var time = _engine.Options.Time;
        var started = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _engine.CallAsync($"pause container {id}", idempotent: false, (c, ct) => c.Containers.PauseContainerAsync(id, ct), cancellationToken);
                return;
            }
            catch (DockerApiException ex) when (ContainerFreezeException.IsFreezeRefusal(ex))
            {
                var waited = time.GetElapsedTime(started);
                if (waited >= _engine.Options.FreezeBound)
                {
                    throw new ContainerFreezeException(id, attempt, waited, ex);
                }

                await Task.Delay(_engine.Options.FreezeRetryDelay, time, cancellationToken);
            }
        }
    }

    public Task UnpauseAsync(string id, CancellationToken cancellationToken) =>
        _engine.CallAsync($"unpause container {id}", idempotent: false, (c, ct) => c.Containers.UnpauseContainerAsync(id, ct), cancellationToken);

    /// <summary>
    /// Removes the container, and by default its anonymous volumes (an image's VOLUME paths nobody named): left
    /// behind, they would pile up with every helper of an image that declares one. Named volumes are never removed.
    /// One already gone counts as removed.
    /// </summary>
    public async Task RemoveAsync(string id, CancellationToken cancellationToken, bool force = true, bool removeVolumes = true)
    {
        try
        {
            await _engine.CallAsync(
                $"remove container {id}",
                idempotent: true,
                (c, ct) => c.Containers.RemoveContainerAsync(id, new Lib.ContainerRemoveParameters { Force = force, RemoveVolumes = removeVolumes }, ct),
                cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound)
        {
        }
    }

    public async Task<ContainerInspect> InspectAsync(string idOrName, CancellationToken cancellationToken)
    {
        var inspect = await _engine.CallAsync(
            $"inspect container {idOrName}", idempotent: true, (c, ct) => c.Containers.InspectContainerAsync(idOrName, ct), cancellationToken);
        return ModelMapping.FromLibrary(inspect);
    }

    public async Task<ContainerInspect?> TryInspectAsync(string idOrName, CancellationToken cancellationToken)
    {
        try
        {
            return await InspectAsync(idOrName, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    public Task<IReadOnlyList<ContainerSummary>> ListAsync(
        CancellationToken cancellationToken, bool all = true, IReadOnlyDictionary<string, string?>? labels = null, string? name = null) =>
        ListAsync("list containers", all, ModelMapping.Filters(labels, name is null ? [] : [("name", name)]), cancellationToken);

    public Task<IReadOnlyList<ContainerSummary>> ListUsingVolumeAsync(string volume, CancellationToken cancellationToken) =>
        ListAsync($"list the containers using volume {volume}", all: true, ModelMapping.Filters(null, ("volume", volume)), cancellationToken);

    /// <summary>
    /// Attaches to the container's stdio. Attach before start so no output is missed; the output ends when the
    /// container's process does.
    /// </summary>
    public async Task<IProcessStreams> AttachAsync(string id, bool stdin, CancellationToken cancellationToken)
    {
        var output = await _engine.CallAsync(
            $"attach to container {id}",
            idempotent: false,
            (c, ct) => c.Containers.AttachContainerAsync(
                id, new Lib.ContainerAttachParameters { Stream = true, Stdin = stdin, Stdout = true, Stderr = true }, ct),
            cancellationToken);
        return new ProcessStreams(output, new OutputTail(), stderrSink: null);
    }

    /// <summary>The container's logs, multiplexed (read them through <see cref="StdoutStream"/>).</summary>
    public async Task<Stream> LogsAsync(string id, bool follow, CancellationToken cancellationToken)
    {
        var output = await _engine.CallAsync(
            $"read the logs of container {id}",
            idempotent: false,
            (c, ct) => c.Containers.GetContainerLogsAsync(
                id, new Lib.ContainerLogsParameters { Follow = follow, ShowStdout = true, ShowStderr = true }, ct),
            cancellationToken);
        return new MultiplexedOutputStream(output);
    }

    /// <summary>A tar stream of <paramref name="path"/> in the container, made by the engine itself.</summary>
    public async Task<Stream> GetArchiveAsync(string id, string path, CancellationToken cancellationToken)
    {
        var archive = await _engine.CallAsync(
            $"read {path} from container {id}",
            idempotent: false,
            (c, ct) => c.Containers.GetArchiveFromContainerAsync(id, new Lib.ContainerPathStatParameters { Path = path }, statOnly: false, ct),
            cancellationToken);
        return new ResponseBodyStream(archive.Stream ?? throw new InvalidDataException($"The engine's answer to 'read {path} from container {id}' has no body."));
    }

    /// <summary>What is at <paramref name="path"/> in the container (the archive API's HEAD); null when nothing is there (or no such container).</summary>
    public async Task<ContainerPathStat?> StatPathAsync(string id, string path, CancellationToken cancellationToken)
    {
        try
        {
            var archive = await _engine.CallAsync(
                $"look at {path} in container {id}",
                idempotent: true,
                (c, ct) => c.Containers.GetArchiveFromContainerAsync(id, new Lib.ContainerPathStatParameters { Path = path }, statOnly: true, ct),
                cancellationToken);
            return ModelMapping.FromLibrary(archive.Stat);
        }
        catch (DockerApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Extracts a tar stream into <paramref name="path"/> in the container, streamed as it is read. The library sends
    /// the body without waiting for the engine's go-ahead (no <c>Expect: 100-continue</c>), so an engine that refuses
    /// the upload closes the connection under it: a broken upload asks the engine whether container and path are there,
    /// and says so rather than blaming the connection.
    /// </summary>
    public async Task PutArchiveAsync(string id, string path, Stream tar, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tar);
        var operation = $"write {path} into container {id}";
        var body = new ObservedReadStream(tar);
        try
        {
            await _engine.CallAsync(
                operation,
                idempotent: false,
                (c, ct) => c.Containers.ExtractArchiveToContainerAsync(id, new Lib.CopyToContainerParameters { Path = path }, body, ct),
                cancellationToken);
        }
        catch (Exception ex) when (ex is DockerUnavailableException or OperationCanceledException)
        {
            body.ThrowIfFailed();
            if (ex is DockerUnavailableException && await WhyRefusedAsync(id, path, cancellationToken) is { } refusal)
            {
                throw new DockerApiException(operation, HttpStatusCode.NotFound, refusal);
            }

            throw;
        }
    }

    private async Task<IReadOnlyList<ContainerSummary>> ListAsync(
        string operation, bool all, IDictionary<string, IDictionary<string, bool>>? filters, CancellationToken cancellationToken)
    {
        var containers = await _engine.CallAsync(
            operation,
            idempotent: true,
            (c, ct) => c.Containers.ListContainersAsync(new Lib.ContainersListParameters { All = all, Filters = filters }, ct),
            cancellationToken);
        return containers.Select(ModelMapping.FromLibrary).ToList();
    }

    /// <summary>What the engine would have answered an upload that broke off: no such container, or no such path; null when both are there.</summary>
    private async Task<string?> WhyRefusedAsync(string id, string path, CancellationToken cancellationToken)
    {
        try
        {
            if (await TryInspectAsync(id, cancellationToken) is null)
            {
                return $"No such container: {id}";
            }

            return await StatPathAsync(id, path, cancellationToken) is null ? $"Could not find the file {path} in container {id}" : null;
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException)
        {
            return null;
        }
    }
}
