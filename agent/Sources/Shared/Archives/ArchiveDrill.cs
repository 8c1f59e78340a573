using System.Security.Cryptography;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Restore;
using VolumeAgent.Restore.Drill;
using VolumeAgent.Restore.Verification;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>Each archive restored into a scratch volume, read back, and compared with the backup entry by entry.</summary>
internal sealed class ArchiveDrill : ISourceDrill
{
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(60);

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
        var context = drill.Context;
        var volume = $"volume-agent-drill-{context.RunId}-volume-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        var created = false;
        try
        {
            await context.Docker.Volumes.CreateAsync(volume, context.HelperLabels(DrillContext.Role), cancellationToken);
            created = true;
            var target = VolumeRestorer.Volume(volume);
            var restorer = new VolumeRestorer(context);
            if (scan.Artifact.Snapshot is not null)
            {
                return await DrillTreeAsync(drill, scan, target, $"scratch volume {volume}", cancellationToken);
            }

            await using (var source = await drill.Environment.OpenAsync(scan, cancellationToken))
            {
                await using var archive = new TarFilterStream(source.Content, TarExcludeMatcher.None, leaveOpen: true, new EntryNameGuard().Check);
                await restorer.ExtractAsync(target, archive, $"scratch volume {volume}", cancellationToken);
                await source.EnsureIntactAsync(cancellationToken);
            }

            var restored = await restorer.ReadTreeAsync(target, $"scratch volume {volume}", cancellationToken);
            var difference = TreeComparison.Compare(scan.Entries ?? [], restored);
            return difference is null
                ? new ArtifactOutcome(scan.File, true, $"{scan.File}: restored into a scratch volume; its {restored.Count} entries are identical to the backup's (paths, types, modes, owners, contents, links)")
                : new ArtifactOutcome(scan.File, false, $"{scan.File}: restored into a scratch volume, but the tree differs from the backup: {difference}");
        }
        catch (Exception ex) when (DrillContext.IsDrillFailure(ex, cancellationToken))
        {
            return new ArtifactOutcome(scan.File, false, $"{scan.File}: the trial restore failed: {ex.Message}");
        }
        finally
        {
            if (created)
            {
                await RemoveVolumeAsync(drill, volume);
            }
        }
    }

    /// <summary>A snapshot a storage keeps (restic) restored by the storage into the scratch volume, and compared with the snapshot's own listing.</summary>
    private static async Task<ArtifactOutcome> DrillTreeAsync(DrillContext drill, ArtifactScan scan, MountSpec target, string what, CancellationToken cancellationToken)
    {
        var snapshot = scan.Artifact.Snapshot!;
        var trees = FileTrees.Of(drill.Environment.Set.Store)
            ?? throw new RestoreFailedException($"Storage '{drill.Environment.Set.StorageName}' does not keep file trees; snapshot {snapshot.Id} is in storage '{snapshot.Storage}'.");
        await trees.RestoreTreeAsync(snapshot, target, cancellationToken);
        var restored = await new VolumeRestorer(drill.Context).ReadTreeAsync(target, what, cancellationToken);
        var listed = await trees.ListTreeAsync(snapshot, VolumeRestorer.MountPoint, cancellationToken);
        var difference = FileTreeComparison.Compare(listed, restored);
        return difference is null
            ? new ArtifactOutcome(scan.File, true, $"{scan.File}: snapshot {snapshot.Id[..Math.Min(8, snapshot.Id.Length)]} restored into a scratch volume; its {listed.Count} entries are identical to the snapshot's own list (paths, types, modes, owners, sizes)")
            : new ArtifactOutcome(scan.File, false, $"{scan.File}: snapshot {snapshot.Id} restored into a scratch volume, but the tree differs from the snapshot's list: {difference}");
    }

    /// <summary>Removes the scratch volume within a bound of its own, whatever the drill's token says; logs when it cannot.</summary>
    private static async Task RemoveVolumeAsync(DrillContext drill, string volume)
    {
        using var bound = new CancellationTokenSource(RemoveTimeout);
        try
        {
            await drill.Context.Docker.Volumes.RemoveAsync(volume, bound.Token, force: true);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
        {
            drill.Log.ForEvent(LogEvents.ScratchVolumeNotRemoved).Warning("Could not remove scratch volume {Volume}: {Error}. The next start of the agent removes it.", volume, ex.Message);
        }
    }
}
