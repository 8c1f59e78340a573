using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Sources;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Restore.Drill;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>
/// A throwaway database server for a restore drill: started from the image of the container that was backed
/// up, with a random password, no network, the agent's labels, and a labelled scratch volume wherever the
/// image declares a VOLUME (so nothing anonymous is left if the agent dies). Disposing removes it all.
/// </summary>
internal sealed class ScratchDatabase : IAsyncDisposable
{
    public const string Role = DrillContext.Role;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ReadyPoll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(60);
    private readonly IDockerEngine _docker;
    private readonly IReadOnlyList<string> _volumes;
    private readonly ILogger _log;
    private int _disposed;

    private ScratchDatabase(IDockerEngine docker, string id, string name, IReadOnlyList<string> volumes, ILogger log)
    {
        _docker = docker;
        Id = id;
        Name = name;
        _volumes = volumes;
        _log = log;
    }

    public string Id { get; }

    public string Name { get; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The drill's own token may be cancelled by now; removal must still happen, within a bound.
        using var bound = new CancellationTokenSource(RemoveTimeout);
        try
        {
            await _docker.Containers.RemoveAsync(Id, bound.Token, force: true, removeVolumes: true);
            foreach (var volume in _volumes)
            {
                await _docker.Volumes.RemoveAsync(volume, bound.Token, force: true);
            }
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
        {
            _log.ForEvent(LogEvents.ScratchDatabaseNotRemoved).Warning("Could not remove scratch database {Container}: {Error}. The next start of the agent removes it.", Name, ex.Message);
        }
    }

    /// <summary>A random password for a scratch server.</summary>
    public static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Creates and starts the server from <paramref name="image"/> with <paramref name="environment"/> (its random
    /// password, say); <paramref name="kind"/> names it in names and messages. Wait for it with <see cref="WaitReadyAsync"/>.
    /// </summary>
    public static async Task<ScratchDatabase> StartAsync(
        SourceContext context, string image, string kind, IReadOnlyList<string> environment, ILogger log, CancellationToken cancellationToken)
    {
        ImageInspect inspect;
        try
        {
            inspect = await context.Docker.Images.EnsureAsync(image, null, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new RestoreFailedException(
                $"The drill needs image {image} (the backed-up {kind} container's) for a scratch server, and the engine neither has it nor can pull it: {ex.EngineMessage ?? ex.Message}. Pull or load it first.",
                ex);
        }

        var labels = context.HelperLabels(Role);
        var name = $"volume-agent-drill-{context.RunId}-{kind}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        var volumes = new List<string>();
        var mounts = new List<MountSpec>();
        ScratchDatabase? scratch = null;
        try
        {
            var index = 0;
            foreach (var path in (inspect.Config?.Volumes?.Keys ?? []).Order(StringComparer.Ordinal))
            {
                var volume = string.Create(CultureInfo.InvariantCulture, $"{name}-{index++}");
                await context.Docker.Volumes.CreateAsync(volume, labels, cancellationToken);
                volumes.Add(volume);
                mounts.Add(new MountSpec { Type = "volume", Source = volume, Target = path });
            }

            var id = await context.Docker.Containers.CreateAsync(
                new ContainerCreateRequest
                {
                    Image = image,
                    Env = environment,
                    Labels = labels,
                    HostConfig = new HostConfig { NetworkMode = "none", Mounts = mounts },
                },
                name,
                cancellationToken);
            scratch = new ScratchDatabase(context.Docker, id, name, volumes, log);
            await context.Docker.Containers.StartAsync(id, cancellationToken);
            return scratch;
        }
        catch
        {
            if (scratch is not null)
            {
                await scratch.DisposeAsync();
            }
            else
            {
                await RemoveVolumesAsync(context.Docker, volumes);
            }

            throw;
        }
    }

    private static async Task RemoveVolumesAsync(IDockerEngine docker, IReadOnlyList<string> volumes)
    {
        using var bound = new CancellationTokenSource(RemoveTimeout);
        foreach (var volume in volumes)
        {
            try
            {
                await docker.Volumes.RemoveAsync(volume, bound.Token, force: true);
            }
            catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
            {
                // Labelled: the next start of the agent removes it.
            }
        }
    }

    /// <summary>Runs <paramref name="probe"/> in the server until it succeeds; fails when the server stops or is not ready in time.</summary>
    public async Task WaitReadyAsync(IReadOnlyList<string> probe, IReadOnlyList<string>? environment, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        ExecResult? last = null;
        while (waited.Elapsed < ReadyTimeout)
        {
            var state = await _docker.Containers.TryInspectAsync(Id, cancellationToken)
                ?? throw new RestoreFailedException(
                    $"The scratch server {Name} was removed while it was starting, by something other than this drill (another agent's sweep of leftovers?).");
            if (state.State is not { Running: true })
            {
                throw new RestoreFailedException(
                    $"The scratch server {Name} stopped while starting (exit code {state.State?.ExitCode}): {await LogTailAsync(cancellationToken)}");
            }

            last = await ExecCapture.RunAsync(_docker, Id, probe, environment, cancellationToken);
            if (last.Succeeded)
            {
                return;
            }

            await Task.Delay(ReadyPoll, cancellationToken);
        }

        throw new RestoreFailedException(
            $"The scratch server {Name} was not ready after {ReadyTimeout.TotalMinutes:0} minutes ({last?.Diagnostic}): {await LogTailAsync(cancellationToken)}");
    }

    private async Task<string> LogTailAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var logs = await _docker.Containers.LogsAsync(Id, follow: false, cancellationToken);
            var tail = new OutputTail(2048);
            await using var stdout = new StdoutStream(logs, tail);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stdout.ReadAsync(buffer, cancellationToken)) > 0)
            {
                tail.Append(buffer.AsSpan(0, read));
            }

            return tail.ToString();
        }
        catch (Exception ex) when (ex is DockerApiException or IOException)
        {
            return $"(its log could not be read: {ex.Message})";
        }
    }
}
