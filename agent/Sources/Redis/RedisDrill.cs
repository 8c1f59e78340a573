using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Restore.Drill;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// Each snapshot loaded into a scratch Redis server started from the backed-up container's image (labelled, no
/// network, removed after), the way a restore loads it, and its key counts per database compared with those the
/// manifest recorded when the snapshot was taken.
/// </summary>
internal sealed class RedisDrill : ISourceDrill
{
    private const string ScratchRemedy = "The scratch server of the drill does not answer as a Redis server of this image should.";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    public async Task<IReadOnlyDictionary<ArtifactScan, ArtifactOutcome>> RunAsync(DrillContext drill, IReadOnlyList<ArtifactScan> scans, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(drill);
        ArgumentNullException.ThrowIfNull(scans);
        var outcomes = new Dictionary<ArtifactScan, ArtifactOutcome>();
        foreach (var scan in scans)
        {
            outcomes[scan] = await DrillAsync(drill, scan, cancellationToken);
        }

        return outcomes;
    }

    private static async Task<ArtifactOutcome> DrillAsync(DrillContext drill, ArtifactScan scan, CancellationToken cancellationToken)
    {
        if (scan.Artifact.Image is not { } image)
        {
            return new ArtifactOutcome(scan.File, false, $"{scan.File}: the manifest names no image for its server, so no scratch server can be started.");
        }

        ScratchDatabase server;
        try
        {
            server = await ScratchDatabase.StartAsync(drill.Context, image, RedisKind.Name, [], drill.Log, cancellationToken);
        }
        catch (Exception ex) when (DrillContext.IsDrillFailure(ex, cancellationToken))
        {
            return new ArtifactOutcome(scan.File, false, $"{scan.File}: no scratch server could be started from {image}: {ex.Message}");
        }

        await using (server)
        {
            try
            {
                return await LoadAndCompareAsync(drill, server, scan, image, cancellationToken);
            }
            catch (Exception ex) when (DrillContext.IsDrillFailure(ex, cancellationToken))
            {
                return new ArtifactOutcome(scan.File, false, $"{scan.File}: loading the snapshot into a scratch {image} server failed: {ex.Message}");
            }
        }
    }

    private static async Task<ArtifactOutcome> LoadAndCompareAsync(DrillContext drill, ScratchDatabase server, ArtifactScan scan, string image, CancellationToken cancellationToken)
    {
        var docker = drill.Context.Docker;
        await server.WaitReadyAsync([RedisCli.Program, "-e", "PING"], null, cancellationToken);
        var target = await RedisTarget.ConnectAsync(docker, await docker.Containers.InspectAsync(server.Id, cancellationToken), null, ScratchRemedy, cancellationToken);
        if (target.AppendOnly)
        {
            return new ArtifactOutcome(
                scan.File, false, $"{scan.File}: image {image} starts Redis with appendonly yes, so a scratch server of it would ignore the snapshot; the drill cannot load it.");
        }

        await docker.Containers.StopAsync(server.Id, StopTimeout, cancellationToken);
        await using (var source = await drill.Environment.OpenAsync(scan, cancellationToken))
        {
            await target.PutSnapshotAsync(source.Content, scan.RawBytes, TimeProvider.System.GetUtcNow(), cancellationToken);
            await source.EnsureIntactAsync(cancellationToken);
        }

        await docker.Containers.StartAsync(server.Id, cancellationToken);
        var loaded = await target.WaitLoadedAsync(cancellationToken);
        var loadedInto = $"{scan.File}: loaded into a scratch {image} server";
        if (RedisKeyspace.FromDigest(scan.Artifact.TreeDigest) is not { } recorded)
        {
            return new ArtifactOutcome(
                scan.File, true, $"{loadedInto} ({loaded}); the backup recorded no key counts (keys were written while it ran), so none are compared");
        }

        return RedisKeyspace.Difference(recorded, loaded) is { } difference
            ? new ArtifactOutcome(scan.File, false, $"{loadedInto}, but {difference}")
            : new ArtifactOutcome(scan.File, true, $"{loadedInto}; its key counts match those recorded at the backup ({loaded})");
    }
}
