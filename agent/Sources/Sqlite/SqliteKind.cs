using VolumeAgent.Policy;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>
/// <c>sqlite: VOLUME</c> with <c>file:</c>: an SQLite database in a volume, copied with SQLite's online backup in a
/// helper while stop_containers are down and checked by its header; restored by hand (docs/restore.md), not drilled.
/// With <c>tables:</c>, an SQL script of just those tables (sqlite3's <c>.dump</c>), checked by its trailer, drilled into
/// a scratch database, and restored by <c>restore</c> into the database file (tables it lacks only).
/// </summary>
internal sealed class SqliteKind : ISourceKind
{
    public const string Name = "sqlite";

    public static readonly ManifestSourceKind Sqlite = new(Name);

    /// <summary>A whole SQLite database file.</summary>
    public static readonly ManifestArtifactFormat DatabaseFile = new("sqlite");

    public string Key => Name;

    public IReadOnlyList<string> OptionKeys { get; } = ["file", "image", "tables"];

    public SourcePhase Phase => SourcePhase.Files;

    public IReadOnlyList<ManifestSourceKind> ManifestKinds { get; } = [Sqlite];

    public IReadOnlyList<ManifestArtifactFormat> Formats { get; } = [DatabaseFile, SqlDumps.Sql];

    public IArtifactVerifier Verifier { get; } = new SqliteVerifier();

    /// <summary>Drills the table scripts; copies of whole files are checked by verify only.</summary>
    public ISourceDrill Drill { get; } = new SqliteDrill();

    public SourceOptions? Read(NodeReader reader, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var volume = reader.Name(map, Name, "volume", required: true);
        var file = reader.Text(map, "file", required: true, missingHint: " for sqlite: the database file's path inside the volume, e.g. db/app.sqlite");
        if (file is not null && (file.StartsWith('/') || file.EndsWith('/') || file.Split('/').Contains("..")))
        {
            reader.Report(NodeReader.ValueMark(map, "file"), map.PathOf("file"), $"must be a file path relative to the volume's root without '..', e.g. db/app.sqlite; got '{file}'");
            return null;
        }

        var image = reader.Text(map, "image");
        var tables = reader.TextList(map, "tables", "[posts, comments]", t => SqliteTables.IsValidName(t) ? null : $"'{t}' is not {SqliteTables.NameRule}");
        if (tables is null && map.Has("tables"))
        {
            return null;
        }

        if (tables is { Count: 0 })
        {
            reader.Report(NodeReader.ValueMark(map, "tables"), map.PathOf("tables"), "lists no table; name at least one, e.g. [posts, comments], or leave 'tables' out to copy the whole file");
            return null;
        }

        return volume is null || file is null ? null : new SqliteSource { Volume = volume, File = file, Image = image, Tables = tables ?? [] };
    }

    public IBackupSource CreateSource(SourceContext context, SourceOptions options) => new SqliteSnapshotSource(context, (SqliteSource)options);

    /// <summary>Plans table scripts into the database file; copies of whole files are refused as restored by hand.</summary>
    public IRestorePlanner StartRestore(RestorePlanning planning) => new SqliteRestorePlanner(planning);

    public RestoreTraits TraitsOf(ManifestArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return artifact.Format == SqlDumps.Sql ? new(Archive: true, DatabaseDump: false, ServerKind: null) : RestoreTraits.None;
    }
}
