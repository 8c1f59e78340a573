using VolumeAgent.Manifest;
using VolumeAgent.Policy;
using VolumeAgent.Sources;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>Turns backup.yml's source entries into the sources that plan and produce artifacts.</summary>
internal static class SourceFactory
{
    public static IBackupSource Create(SourceContext context, SourceOptions options) => options switch
    {
        VolumeSource volume => new ArchiveSource(context, ManifestSourceKind.Volume, volume.Volume, volume.ArtifactName, volume.Exclude),
        PathSource path => new ArchiveSource(context, ManifestSourceKind.Path, path.Path, path.ArtifactName, path.Exclude),
        PostgresSource postgres => new PostgresDumpSource(context, postgres),
        MysqlSource mysql => new MysqlDumpSource(context, mysql),
        SqliteSource sqlite => new SqliteCopySource(context, sqlite),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.GetType().Name, "Unknown source kind."),
    };
}
