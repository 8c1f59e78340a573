using VolumeAgent.Manifest;
using VolumeAgent.Policy;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore;

/// <summary>The user and password backup.yml gives for the database source an artifact came from, if any.</summary>
internal static class SourceCredentials
{
    public static (string? User, string? Password) For(BackupPolicy? policy, string job, ManifestArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var sources = policy?.FindJob(job)?.Sources ?? [];
        foreach (var source in sources)
        {
            switch (source)
            {
                case PostgresSource pg when artifact.SourceKind is ManifestSourceKind.Postgres or ManifestSourceKind.Globals
                    && string.Equals(pg.Target, artifact.SourceName, StringComparison.Ordinal):
                    return (pg.User, pg.Password?.Reveal());
                case MysqlSource my when artifact.SourceKind == ManifestSourceKind.Mysql
                    && string.Equals(my.Target, artifact.SourceName, StringComparison.Ordinal):
                    return (my.User, my.Password?.Reveal());
            }
        }

        return (null, null);
    }
}
