using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker;

/// <summary>Containers: create, run state, inspect, lists by label, and the archive and log streams.</summary>
internal interface IContainerOperations
{
    /// <summary>Creates a container (not started) and returns its id; mounts, labels and isolation are in the request.</summary>
    Task<string> CreateAsync(ContainerCreateRequest request, string? name, CancellationToken cancellationToken);

    /// <summary>Starts the container; one already running counts as started.</summary>
    Task StartAsync(string id, CancellationToken cancellationToken);

    /// <summary>Waits for the container to stop; use <c>nextExit</c> when waiting on a container not yet started.</summary>
    Task<ContainerWaitResponse> WaitAsync(string id, CancellationToken cancellationToken, bool nextExit = false);

    /// <summary>Stops the container (SIGTERM, then SIGKILL after <paramref name="timeout"/>); one already stopped counts as stopped.</summary>
    Task StopAsync(string id, TimeSpan timeout, CancellationToken cancellationToken);

    Task KillAsync(string id, string signal, CancellationToken cancellationToken);

    /// <summary>Freezes every process of the running container (<c>docker pause</c>).</summary>
    Task PauseAsync(string id, CancellationToken cancellationToken);

    /// <summary>Thaws a paused container (<c>docker unpause</c>).</summary>
    Task UnpauseAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the container, and by default its anonymous volumes; named volumes are never removed. One already
    /// gone counts as removed.
    /// </summary>
    Task RemoveAsync(string id, CancellationToken cancellationToken, bool force = true, bool removeVolumes = true);

    Task<ContainerInspect> InspectAsync(string idOrName, CancellationToken cancellationToken);

    /// <summary>Inspects the container, or returns null when there is none by that id or name.</summary>
    Task<ContainerInspect?> TryInspectAsync(string idOrName, CancellationToken cancellationToken);

    /// <summary>Containers that carry every label given (a null value: the label with any value), and the name filter.</summary>
    Task<IReadOnlyList<ContainerSummary>> ListAsync(
        CancellationToken cancellationToken, bool all = true, IReadOnlyDictionary<string, string?>? labels = null, string? name = null);

    /// <summary>Containers (running or not) that mount the named volume.</summary>
    Task<IReadOnlyList<ContainerSummary>> ListUsingVolumeAsync(string volume, CancellationToken cancellationToken);

    /// <summary>
    /// Attaches to the container's stdio. Attach before start so no output is missed; the output ends when the
    /// container's process does.
    /// </summary>
    Task<IProcessStreams> AttachAsync(string id, bool stdin, CancellationToken cancellationToken);

    /// <summary>The container's logs in the engine's multiplexed format (read them through <see cref="StdoutStream"/>).</summary>
    Task<Stream> LogsAsync(string id, bool follow, CancellationToken cancellationToken);

    /// <summary>A tar stream of <paramref name="path"/> in the container, made by the engine itself.</summary>
    Task<Stream> GetArchiveAsync(string id, string path, CancellationToken cancellationToken);

    /// <summary>What is at <paramref name="path"/> in the container (name, size, mode); null when nothing is there.</summary>
    Task<ContainerPathStat?> StatPathAsync(string id, string path, CancellationToken cancellationToken);

    /// <summary>Extracts a tar stream into <paramref name="path"/> in the container, streamed as it is read.</summary>
    Task PutArchiveAsync(string id, string path, Stream tar, CancellationToken cancellationToken);
}
