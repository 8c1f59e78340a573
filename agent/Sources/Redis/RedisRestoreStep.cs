using System.Diagnostics;
using VolumeAgent.Restore;
using VolumeAgent.Runs;
using VolumeAgent.Restore.Verification;
using VolumeAgent.Runs.Stops;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// A snapshot loaded into a Redis container: the container is stopped (held in the stop journal, so it is started
/// again even if the agent dies), the snapshot put in place of its RDB file, and the container started; the server
/// loads it on start-up. Whatever fails after the stop, the container is started again.
/// </summary>
internal sealed class RedisRestoreStep : IRestoreStep
{
    public required ArtifactScan Scan { get; init; }

    public required RedisTarget Target { get; init; }

    public bool Overwrites => !Target.Keyspace.IsEmpty;

    public required Policy.SourceOptions? SafetyCopy { get; init; }

    public string Summary =>
        $"redis container {Target.Name} ← {Scan.File} ({Bytes.Format(Scan.RawBytes)}): "
        + (Overwrites ? $"holds {Target.Keyspace}: its whole dataset is REPLACED" : "holds no keys")
        + $"; it is stopped, {Target.DataDir}/{Target.FileName} replaced, and started again";

    public async Task<string> RunAsync(RestoreEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var context = environment.Context;
        var clock = Stopwatch.StartNew();
        var stopper = await ContainerStopper.StopAsync(
            context.Docker, context.Engine, context.Containers, [Target.Redis.Container.Id], environment.StateDir, context.InstanceId, context.Job, context.RunId, TimeProvider.System, environment.Log, cancellationToken)
            ?? throw new RestoreFailedException($"Container {Target.Name} is no longer running; nothing was changed. Start it and restore again.");
        try
        {
            await using var source = await environment.OpenAsync(Scan, cancellationToken);
            await Target.PutSnapshotAsync(source.Content, Scan.RawBytes, TimeProvider.System.GetUtcNow(), cancellationToken);
            await source.EnsureIntactAsync(cancellationToken);
        }
        catch
        {
            await RestartQuietlyAsync(stopper, environment);
            throw;
        }

        try
        {
            await stopper.RestartAsync();
        }
        catch (ContainerRestartException ex)
        {
            throw new RestoreFailedException($"The snapshot was put in place in container {Target.Name}, but: {ex.Message}", ex);
        }

        var loaded = await Target.WaitLoadedAsync(cancellationToken);
        if (RedisKeyspace.FromDigest(Scan.Artifact.TreeDigest) is { } recorded && RedisKeyspace.Difference(recorded, loaded) is { } difference)
        {
            throw new RestoreFailedException($"Container {Target.Name} loaded {Scan.File}, but {difference}.");
        }

        return $"redis container {Target.Name}: {Scan.File} loaded in {clock.Elapsed.TotalSeconds:0.0} s ({loaded})";
    }

    /// <summary>Brings the stopped container back after a failure; a failure to do so is logged, not thrown over the first one.</summary>
    private static async Task RestartQuietlyAsync(ContainerStopper stopper, RestoreEnvironment environment)
    {
        try
        {
            await stopper.RestartAsync();
        }
        catch (ContainerRestartException ex)
        {
            environment.Log.ForEvent(LogEvents.RestoreTargetNotRestarted).Error("{Error}", ex.Message);
        }
    }
}
