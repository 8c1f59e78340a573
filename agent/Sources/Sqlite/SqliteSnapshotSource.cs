using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Helpers;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>
/// An SQLite database in a volume, read from a consistent copy made with SQLite's online backup (<c>.backup</c>),
/// never from the raw bytes of a live file, and checked with <c>PRAGMA integrity_check</c> before a byte leaves the
/// helper. Without <c>tables</c> the copy itself is the artifact (<c>.sqlite</c>); with <c>tables</c> it is sqlite3's
/// <c>.dump</c> of just those tables with their indexes and triggers (<c>.sql</c>, restored by
/// <c>sqlite3 new.db &lt; file.sql</c>).
/// </summary>
internal sealed class SqliteSnapshotSource : IBackupSource
{
    private const string MountPoint = "/data";

    // The copy is made inside the helper (its own writable layer), checked, then read and removed with the helper.
    // sqlite3 needs the database's directory writable for its lock and WAL index files. $1 is the file; nothing of
    // backup.yml is spliced into the scripts themselves.
    private const string CopyAndCheck =
        "set -e; copy=/tmp/volume-agent-copy.db; "
        + "sqlite3 \"/data/$1\" \".timeout 60000\" \".backup '$copy'\"; "
        + "result=$(sqlite3 \"$copy\" 'PRAGMA integrity_check;'); "
        + "if [ \"$result\" != ok ]; then echo \"integrity_check of the copy: $result\" >&2; exit 3; fi; ";

    private const string WholeFile = CopyAndCheck + "cat \"$copy\"";

    // $2 the query naming missing tables, $3 the query naming the tables' indexes and triggers as .dump arguments,
    // $4 the tables as .dump arguments.
    private const string SomeTables =
        CopyAndCheck
        + "missing=$(sqlite3 \"$copy\" \"$2\"); "
        + "if [ -n \"$missing\" ]; then echo \"$1 has no table $missing\" >&2; exit 4; fi; "
        + "objects=$(sqlite3 \"$copy\" \"$3\"); "
        + "sqlite3 -bail \"$copy\" \".dump $4 $objects\"";

    private readonly SourceContext _context;
    private readonly SqliteSource _options;

    public SqliteSnapshotSource(SourceContext context, SqliteSource options)
    {
        _context = context;
        _options = options;
    }

    public string DisplayName => $"sqlite {_options.Volume}:{_options.File}";

    public ManifestSourceKind Kind => SqliteKind.Sqlite;

    public ManifestArtifactFormat Format => SomeTablesOnly ? SqlDumps.Sql : SqliteKind.DatabaseFile;

    private bool SomeTablesOnly => _options.Tables.Count > 0;

    public Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken)
    {
        var image = _options.Image ?? _context.HelperImage;
        var descriptor = new ArtifactDescriptor
        {
            BaseFileName = _options.ArtifactName + (SomeTablesOnly ? ".sql" : ".sqlite"),
            Kind = SqliteKind.Sqlite,
            SourceName = $"{_options.Volume}:{_options.File}",
            Format = Format,
            Image = image,
        };
        var spec = new HelperSpec
        {
            Image = image,
            Command = SomeTablesOnly
                ?
                [
                    "sh", "-c", SomeTables, "sh", _options.File,
                    SqliteTables.MissingQuery(_options.Tables), SqliteTables.ObjectsQuery(_options.Tables), SqliteTables.DumpArguments(_options.Tables),
                ]
                : ["sh", "-c", WholeFile, "sh", _options.File],
            Mounts = [new MountSpec { Type = "volume", Source = _options.Volume, Target = MountPoint, ReadOnly = false, MustExist = true }],
            Labels = _context.HelperLabels(),
            Capabilities = ["DAC_READ_SEARCH", "DAC_OVERRIDE", "FOWNER"],
            Purpose = SomeTablesOnly ? $"dump tables {string.Join(", ", _options.Tables)} of {DisplayName}" : $"copy {DisplayName}",
        };
        return Task.FromResult<IReadOnlyList<IArtifactProducer>>([new HelperStreamProducer(_context, descriptor, spec)]);
    }
}
