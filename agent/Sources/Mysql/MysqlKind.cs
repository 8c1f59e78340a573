using VolumeAgent.Policy;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources.Mysql;

/// <summary>
/// <c>mysql: CONTAINER</c>: every (or the named) database of a MySQL or MariaDB container dumped as SQL with its own
/// mariadb-dump / mysqldump; restored with its client, drilled into a scratch server from the same image.
/// </summary>
internal sealed class MysqlKind : ISourceKind
{
    public const string Name = "mysql";

    public static readonly ManifestSourceKind Mysql = new(Name);

    public string Key => Name;

    public IReadOnlyList<string> OptionKeys { get; } = ["databases", "user", "password", "password_file"];

    public SourcePhase Phase => SourcePhase.Databases;

    public IReadOnlyList<ManifestSourceKind> ManifestKinds { get; } = [Mysql];

    public IReadOnlyList<ManifestArtifactFormat> Formats { get; } = [SqlDumps.Sql];

    public IArtifactVerifier Verifier { get; } = new MysqlVerifier();

    public ISourceDrill Drill { get; } = new MysqlDrill();

    public SourceOptions? Read(NodeReader reader, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var target = reader.Name(map, Name, "container or service", required: true);
        var databases = SqlDumps.ReadDatabases(reader, map);
        var user = reader.Text(map, "user");
        var password = reader.Secret(map, "password");
        return target is null
            ? null
            : new MysqlSource { Target = target, Databases = databases, User = user, Password = password };
    }

    public IBackupSource CreateSource(SourceContext context, SourceOptions options) => new MysqlDumpSource(context, (MysqlSource)options);

    public IRestorePlanner StartRestore(RestorePlanning planning) => new MysqlRestorePlanner(planning);

    public RestoreTraits TraitsOf(ManifestArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return new(Archive: false, DatabaseDump: artifact.Database is not null, ServerKind: Name);
    }
}
