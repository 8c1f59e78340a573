using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>
/// Plans a table script into its database file (or the same file in --to-volume): refused when the file holds tables,
/// unless --force, which adds the script's tables to it. Copies of whole files are restored by hand (docs/restore.md).
/// </summary>
internal sealed class SqliteRestorePlanner : IRestorePlanner
{
    private readonly RestorePlanning _planning;

    public SqliteRestorePlanner(RestorePlanning planning) => _planning = planning;

    public async Task<Func<ArtifactScan, IRestoreStep>> PlanAsync(ManifestArtifact artifact, List<string> refusals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(refusals);
        var separator = artifact.SourceName.IndexOf(':', StringComparison.Ordinal);
        if (artifact.Format != SqlDumps.Sql || separator <= 0)
        {
            throw new RestoreRefusedException($"{artifact.File} is a {artifact.SourceKind} artifact, which this version restores only by hand (see docs/restore.md).");
        }

        var volume = _planning.Request.ToVolume ?? artifact.SourceName[..separator];
        var target = new SqliteTarget(_planning.Context, volume, artifact.SourceName[(separator + 1)..], artifact.Image ?? _planning.Context.HelperImage);
        var volumeExists = await _planning.Context.Docker.Volumes.TryInspectAsync(volume, cancellationToken) is not null;
        var tables = volumeExists ? await target.TablesAsync(cancellationToken) : -1;
        if (!_planning.Request.Force && tables > 0)
        {
            refusals.Add(
                $"{target.Name} holds {tables} table(s). Restore into the same file in another volume with --to-volume NAME, "
                + "or pass --force to add the backup's tables to it (a table it has already makes the restore fail and change nothing).");
        }

        return scan => new SqliteRestoreStep { Scan = scan, Target = target, VolumeExists = volumeExists, Tables = tables };
    }
}
