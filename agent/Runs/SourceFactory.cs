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
        SqliteSource sqlite => new UnsupportedSource(
            $"sqlite {sqlite.Volume}:{sqlite.File}",
            ManifestSourceKind.Sqlite,
            "SQLite sources are not supported by this version of the agent yet. Back the volume up with a `volume:` source while the application is stopped (stop_containers) instead."),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.GetType().Name, "Unknown source kind."),
    };

    /// <summary>A source this version cannot back up: it fails, saying so, and the job's other sources still run.</summary>
    private sealed class UnsupportedSource(string displayName, ManifestSourceKind kind, string reason) : IBackupSource
    {
        public string DisplayName => displayName;

        public ManifestSourceKind Kind => kind;

        public Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken) =>
            throw new ArtifactFailedException(reason);
    }
}
