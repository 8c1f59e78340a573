using VolumeAgent.Docker.Models;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>
/// Plans a tar artifact's restore into its volume or host directory (or --to-volume): refused when the target is not
/// empty or in use, unless --force, and always when the agent's own container uses it.
/// </summary>
internal sealed class ArchiveRestorePlanner : IRestorePlanner
{
    private readonly RestorePlanning _planning;
    private readonly ArchiveKind _kind;

    public ArchiveRestorePlanner(RestorePlanning planning, ArchiveKind kind)
    {
        _planning = planning;
        _kind = kind;
    }

    public async Task<Func<ArtifactScan, IRestoreStep>> PlanAsync(ManifestArtifact artifact, List<string> refusals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(refusals);
        var request = _planning.Request;
        var docker = _planning.Context.Docker;
        var (target, targetName) = request.ToVolume is { } toVolume
            ? (VolumeRestorer.Volume(toVolume), $"volume {toVolume}")
            : _kind.RestoreTargetOf(artifact);
        var exists = target.Type != "volume" || await docker.Volumes.TryInspectAsync(target.Source!, cancellationToken) is not null;

        var content = exists ? await new VolumeRestorer(_planning.Context).ListTopAsync(target, targetName, cancellationToken) : [];
        var users = target.Type == "volume" && exists
            ? (await docker.Containers.ListUsingVolumeAsync(target.Source!, cancellationToken)).Where(c => c.State == "running").ToList()
            : [];
        if (users.FirstOrDefault(IsThisProcess) is { } self)
        {
            refusals.Add(
                $"{targetName} is used by the agent's own container {self.DisplayName}, which cannot be stopped for the restore while it runs it. "
                + "Restore it with `docker run` of the agent image (without that volume), or by hand (docs/restore.md).");
        }
        else if (!request.Force && content.Count > 0)
        {
            refusals.Add(
                $"{targetName} is not empty ({string.Join(", ", content)}…). Restore into a new volume with --to-volume NAME, or pass --force to replace its content"
                + (users.Count > 0 ? $" ({string.Join(", ", users.Select(u => u.DisplayName))} will be stopped during the restore and started again)." : "."));
        }
        else if (!request.Force && users.Count > 0)
        {
            refusals.Add(
                $"{targetName} is in use by running container(s) {string.Join(", ", users.Select(u => u.DisplayName))}. Stop them first, or pass --force to have them stopped during the restore and started again.");
        }

        return scan => new VolumeRestoreStep { Scan = scan, Target = target, TargetName = targetName, Exists = exists, Content = content, Users = users };
    }

    /// <summary>Whether the container is the one this process runs in (its hostname is the container id's prefix).</summary>
    private static bool IsThisProcess(ContainerSummary container) =>
        File.Exists("/.dockerenv")
        && Environment.GetEnvironmentVariable("HOSTNAME") is { Length: >= 12 } hostname
        && container.Id.StartsWith(hostname, StringComparison.Ordinal);
}
