using System.Diagnostics;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Runs;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Restore.Verification;
using VolumeAgent.Runs.Stops;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>A tar artifact into a volume (created when missing) or a host directory.</summary>
internal sealed class VolumeRestoreStep : IRestoreStep
{
    public required ArtifactScan Scan { get; init; }

    public required MountSpec Target { get; init; }

    /// <summary>"volume app_data" or "host directory /srv/x", for messages.</summary>
    public required string TargetName { get; init; }

    public required bool Exists { get; init; }

    /// <summary>The first names in the target when it is not empty.</summary>
    public required IReadOnlyList<string> Content { get; init; }

    /// <summary>Running containers using the volume: stopped for the restore and started again after.</summary>
    public required IReadOnlyList<ContainerSummary> Users { get; init; }

    public bool Overwrites => Content.Count > 0;

    public Policy.SourceOptions? SafetyCopy => Target.Type == "volume"
        ? new Volume.VolumeSource { Volume = Target.Source! }
        : new HostPath.PathSource { Path = Target.Source! };

    public string Summary
    {
        get
        {
            var target = !Exists
                ? "does not exist yet and will be created"
                : Content.Count == 0 ? "is empty" : $"is NOT empty ({string.Join(", ", Content)}…): its content will be REPLACED";
            var users = Users.Count == 0 ? string.Empty : $"; {string.Join(", ", Users.Select(u => u.DisplayName))} will be stopped during the restore and started again";
            return $"{TargetName} ← {Scan.File} ({Scan.EntryCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} entries, {Bytes.Format(Scan.RawBytes)}): {target}{users}";
        }
    }

    public async Task<string> RunAsync(RestoreEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var context = environment.Context;
        var clock = Stopwatch.StartNew();
        var created = false;
        if (!Exists && Target.Type == "volume")
        {
            // The user's volume: not labelled as the agent's, so no sweep ever removes it.
            await context.Docker.Volumes.CreateAsync(Target.Source!, null, cancellationToken);
            created = true;
        }

        ContainerStopper? stopper = null;
        var entries = 0;
        try
        {
            if (Users.Count > 0)
            {
                stopper = await ContainerStopper.StopAsync(
                    context.Docker, context.Engine, context.Containers, [.. Users.Select(u => u.Id)], environment.StateDir, context.InstanceId, context.Job, context.RunId, TimeProvider.System, environment.Log, cancellationToken);
            }

            var restorer = new VolumeRestorer(context);
            if (Overwrites)
            {
                await restorer.ClearAsync(Target, TargetName, cancellationToken);
            }

            if (Scan.Artifact.Snapshot is { } snapshot)
            {
                // A tree the storage keeps itself (restic): restored by the storage in a helper that mounts the target.
                var trees = FileTrees.Of(environment.Set.Store)
                    ?? throw new RestoreFailedException($"Storage '{environment.Set.StorageName}' does not keep file trees; snapshot {snapshot.Id} is in storage '{snapshot.Storage}'.");
                await trees.RestoreTreeAsync(snapshot, Target, cancellationToken);
                entries = Scan.EntryCount ?? 0;
            }
            else
            {
                await using var source = await environment.OpenAsync(Scan, cancellationToken);
                await using var archive = new TarFilterStream(source.Content, TarExcludeMatcher.None, leaveOpen: true, new EntryNameGuard().Check);
                await restorer.ExtractAsync(Target, archive, TargetName, cancellationToken);
                await source.EnsureIntactAsync(cancellationToken);
                entries = archive.Entries.Count;
            }
        }
        catch
        {
            if (created)
            {
                await RemoveQuietlyAsync(context.Docker, Target.Source!, environment);
            }

            await RestartQuietlyAsync(stopper, environment);
            throw;
        }

        if (stopper is not null)
        {
            try
            {
                await stopper.RestartAsync();
            }
            catch (ContainerRestartException ex)
            {
                throw new RestoreFailedException($"{TargetName} was restored, but: {ex.Message}", ex);
            }
        }

        return $"{TargetName}: {entries} entries restored from {Scan.File} in {clock.Elapsed.TotalSeconds:0.0} s"
            + (stopper is not { Started.Count: > 0 } ? string.Empty : $"; {string.Join(", ", stopper.Started.Select(c => c.Name))} started again");
    }

    /// <summary>Brings stopped containers back after a failure; a failure to do so is logged, not thrown over the first one.</summary>
    private static async Task RestartQuietlyAsync(ContainerStopper? stopper, RestoreEnvironment environment)
    {
        if (stopper is null)
        {
            return;
        }

        try
        {
            await stopper.RestartAsync();
        }
        catch (ContainerRestartException ex)
        {
            environment.Log.ForEvent(LogEvents.VolumeRestoreFailed).Error("{Error}", ex.Message);
        }
    }

    private static async Task RemoveQuietlyAsync(IDockerEngine docker, string volume, RestoreEnvironment environment)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await docker.Volumes.RemoveAsync(volume, bound.Token, force: true);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
        {
            environment.Log.ForEvent(LogEvents.RestoredVolumeNotRemoved).Warning("Could not remove volume {Volume}, created for the failed restore: {Error}", volume, ex.Message);
        }
    }
}
