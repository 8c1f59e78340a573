using VolumeAgent.Policy;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// <c>postgres: CONTAINER</c>: every (or the named) database of a PostgreSQL container dumped with its own pg_dump,
/// plus its roles and tablespaces (the globals); checked with pg_restore --list, restored with pg_restore or psql,
/// drilled into a scratch server from the same image.
/// </summary>
internal sealed class PostgresKind : ISourceKind
{
    public const string Name = "postgres";

    public static readonly ManifestSourceKind Postgres = new(Name);

    /// <summary>The roles and tablespaces of a server (pg_dumpall --globals-only).</summary>
    public static readonly ManifestSourceKind Globals = new("globals");

    public static readonly ManifestArtifactFormat PgCustom = new("pg_custom");

    public static readonly ManifestArtifactFormat PgPlain = new("pg_plain");

    private static readonly (string Name, PostgresDumpFormat Value)[] DumpFormats =
        [("custom", PostgresDumpFormat.Custom), ("plain", PostgresDumpFormat.Plain)];

    public string Key => Name;

    public IReadOnlyList<string> OptionKeys { get; } = ["databases", "format", "user", "password", "password_file"];

    public SourcePhase Phase => SourcePhase.Databases;

    public IReadOnlyList<ManifestSourceKind> ManifestKinds { get; } = [Postgres, Globals];

    public IReadOnlyList<ManifestArtifactFormat> Formats { get; } = [PgCustom, PgPlain, SqlDumps.Sql];

    public IArtifactVerifier Verifier { get; } = new PostgresVerifier();

    public ISourceDrill Drill { get; } = new PostgresDrill();

    public SourceOptions? Read(NodeReader reader, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var target = reader.Name(map, Name, "container or service", required: true);
        var databases = SqlDumps.ReadDatabases(reader, map);
        var format = reader.Choice(map, "format", DumpFormats) ?? PostgresDumpFormat.Custom;
        var user = reader.Text(map, "user");
        var password = reader.Secret(map, "password");
        return target is null
            ? null
            : new PostgresSource { Target = target, Databases = databases, Format = format, User = user, Password = password };
    }

    public IBackupSource CreateSource(SourceContext context, SourceOptions options) => new PostgresDumpSource(context, (PostgresSource)options);

    public IRestorePlanner StartRestore(RestorePlanning planning) => new PostgresRestorePlanner(planning);

    public RestoreTraits TraitsOf(ManifestArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return new(Archive: false, DatabaseDump: artifact.SourceKind == Postgres && artifact.Database is not null, ServerKind: Name);
    }
}
