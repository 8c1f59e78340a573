using System.Security.Cryptography;
using VolumeAgent.Docker;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Restore;
using VolumeAgent.Restore.Drill;
using VolumeAgent.Restore.Verification;

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
