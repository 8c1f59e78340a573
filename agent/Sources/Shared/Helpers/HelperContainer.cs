using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Runs;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Shared.Helpers;

/// <summary>
/// A started helper: attached before start so no byte is lost, isolated (no network, no capabilities but
/// those named, no privilege gain, no log copy of its output), and removed on dispose whatever happened.
/// </summary>
internal sealed class HelperContainer : IAsyncDisposable
{
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(30);
    private readonly IDockerEngine _client;
    private readonly IProcessStreams _connection;
    private readonly ILogger _log;
    private int _disposed;

    private HelperContainer(IDockerEngine client, string id, HelperSpec spec, IProcessStreams connection, ILogger log)
    {
        _client = client;
        _connection = connection;
        _log = log;
        Id = id;
        Spec = spec;
    }

    public string Id { get; }

    public HelperSpec Spec { get; }

    public Stream Output => _connection.Stdout;

    public OutputTail Stderr => _connection.Stderr;

    /// <summary>The helper's stdin, when the spec asked for one; <see cref="CloseInput"/> ends it.</summary>
    public Stream Input => _connection.Stdin;

    public void CloseInput() => _connection.CloseStdin();

    /// <param name="log">Where a helper that could not be removed is reported: the run's or the command's logger.</param>
    public static Task<HelperContainer> StartAsync(IDockerEngine client, HelperSpec spec, ILogger log, CancellationToken cancellationToken) =>
        StartAsync(client, spec, log, prepare: null, cancellationToken);

    /// <param name="prepare">
    /// Runs on the created helper (by its id) before it is started, e.g. to put files into it through the engine's
    /// archive API; when it fails, the helper is removed and never started.
    /// </param>
    /// <inheritdoc cref="StartAsync(IDockerEngine, HelperSpec, ILogger, CancellationToken)"/>
    public static async Task<HelperContainer> StartAsync(
        IDockerEngine client, HelperSpec spec, ILogger log, Func<string, CancellationToken, Task>? prepare, CancellationToken cancellationToken)
    {
        var id = await CreateAsync(client, spec, attach: true, cancellationToken);
        IProcessStreams? connection = null;
        try
        {
            if (prepare is not null)
            {
                await prepare(id, cancellationToken);
            }

            connection = await client.Containers.AttachAsync(id, spec.Stdin, cancellationToken);
            await client.Containers.StartAsync(id, cancellationToken);
            return new HelperContainer(client, id, spec, connection, log);
        }
        catch (Exception ex)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            await RemoveQuietlyAsync(client, id, log);
            if (ex is DockerApiException api)
            {
                throw new ArtifactFailedException($"Could not start the helper container to {spec.Purpose}: {api.EngineMessage ?? api.Message}", ex);
            }

            throw;
        }
    }

    /// <summary>
    /// Creates the helper container without starting it: isolated, labelled, its mounts in place. A container that
    /// is only created is enough for the engine's archive API, which mounts its volumes to read them.
    /// </summary>
    public static async Task<string> CreateAsync(IDockerEngine client, HelperSpec spec, bool attach, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(spec);
        var request = new ContainerCreateRequest
        {
            Image = spec.Image,
            Entrypoint = [],
            Cmd = spec.Command,
            Env = spec.Environment,
            Labels = spec.Labels,
            User = spec.User,
            AttachStdout = attach,
            AttachStderr = attach,
            AttachStdin = attach && spec.Stdin,
            OpenStdin = spec.Stdin,
            StdinOnce = spec.Stdin,
            HostConfig = new HostConfig
            {
                Mounts = spec.Mounts,
                NetworkMode = spec.NetworkMode,
                CapDrop = ["ALL"],
                CapAdd = spec.Capabilities,
                SecurityOpt = ["no-new-privileges"],
                // The default json-file driver would write the whole archive to the engine's disk a second time.
                LogConfig = new LogConfig { Type = "none" },
            },
        };
        try
        {
            try
            {
                return await client.Containers.CreateAsync(request, null, cancellationToken);
            }
            catch (DockerApiException ex) when (IsMissingImage(ex))
            {
                // Learnt from the create's answer rather than asked first, so a run needs no image call while the image is there.
                await PullAsync(client, spec.Image, ex, cancellationToken);
            }

            return await client.Containers.CreateAsync(request, null, cancellationToken);
        }
        catch (MissingVolumeException ex)
        {
            throw new ArtifactFailedException(
                $"{ex.Message} Check the name with `docker volume ls` (compose prefixes volumes with the project name, e.g. myapp_{ex.Volume}); nothing was created.",
                ex);
        }
        catch (DockerApiException ex)
        {
            throw new ArtifactFailedException($"Could not create the helper container to {spec.Purpose} from image {spec.Image}: {ex.EngineMessage ?? ex.Message}", ex);
        }
    }

    /// <summary>The engine's answer to a create from an image it does not have (404 "No such image: …").</summary>
    private static bool IsMissingImage(DockerApiException ex) =>
        ex.IsNotFound && ex.EngineMessage?.StartsWith("No such image", StringComparison.OrdinalIgnoreCase) == true;

    private static async Task PullAsync(IDockerEngine client, string image, DockerApiException missing, CancellationToken cancellationToken)
    {
        try
        {
            await client.Images.PullAsync(image, null, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new ArtifactFailedException(
                $"The helper image {image} is not on this engine ({missing.EngineMessage}) and could not be pulled: {ex.EngineMessage ?? ex.Message}. "
                + "Pull or load it (docker pull / docker load), or name an image the engine has in backup.yml.",
                ex);
        }
    }

    /// <summary>Waits for the helper to end (read <see cref="Output"/> to its end first) and returns its exit code.</summary>
    public async Task<long> WaitAsync(CancellationToken cancellationToken)
    {
        await _connection.DrainAsync(cancellationToken);
        var result = await _client.Containers.WaitAsync(Id, cancellationToken);
        return result.StatusCode;
    }

    /// <summary>
    /// Feeds <paramref name="input"/> to the helper's stdin, half-closes it and waits for the helper to end. When the
    /// input fails mid-stream (its own checks throw), the helper is removed at once, so the program inside never
    /// sees the end of its input as a clean end, and the exception goes on. Delivered is false when the program
    /// ended before it had read all of the input.
    /// </summary>
    public async Task<(long Exit, bool Delivered)> FeedAndWaitAsync(Stream input, CancellationToken cancellationToken)
    {
        var exit = WaitAsync(cancellationToken);
        bool delivered;
        try
        {
            delivered = await StdinFeeder.FeedAsync(input, Input, cancellationToken)
                && await StdinFeeder.CloseAsync(Input, CloseInput, cancellationToken);
        }
        catch
        {
            await DisposeAsync();
            await ExecRunner.ObserveAsync(exit);
            throw;
        }

        return (await exit, delivered);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _connection.DisposeAsync();
        await RemoveQuietlyAsync(_client, Id, _log);
    }

    /// <summary>Removes a helper, within a bound even when the run was cancelled; a failure is logged, not thrown.</summary>
    public static async Task RemoveQuietlyAsync(IDockerEngine client, string id, ILogger log)
    {
        // The run's own token may be cancelled by now; removal must still happen, within a bound.
        using var timeout = new CancellationTokenSource(RemoveTimeout);
        try
        {
            await client.Containers.RemoveAsync(id, timeout.Token, force: true);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
        {
            // A later start sweeps it by label (this process keeps its lock file for it); the run's own error is what the user needs to see.
            AgentInstance.LeftSomethingBehind();
            log.ForEvent(LogEvents.HelperNotRemoved).Warning("Could not remove helper container {Container}: {Error}. The next start removes it.", id[..12], ex.Message);
        }
    }
}
