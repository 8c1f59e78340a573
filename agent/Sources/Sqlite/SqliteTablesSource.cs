using VolumeAgent.Docker.Models;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Helpers;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>
/// Some tables of an SQLite database in a volume, written as SQL by sqlite3's <c>.dump</c> (with their indexes and
/// triggers), from a consistent copy made with the online backup and checked with <c>PRAGMA integrity_check</c>
/// inside the helper. <c>sqlite3 new.db &lt; file.sql</c> restores it.
/// </summary>
internal sealed class SqliteTablesSource : IBackupSource
{
    private const string MountPoint = "/data";

    // $1 the file, $2 the query naming missing tables, $3 the query naming the tables' indexes and triggers as
    // .dump arguments, $4 the tables as .dump arguments. Nothing of backup.yml is spliced into the script itself.
    private const string Script =
        "set -e; copy=/tmp/volume-agent-copy.db; "
        + "sqlite3 \"/data/$1\" \".timeout 60000\" \".backup '$copy'\"; "
        + "result=$(sqlite3 \"$copy\" 'PRAGMA integrity_check;'); "
        + "if [ \"$result\" != ok ]; then echo \"integrity_check of the copy: $result\" >&2; exit 3; fi; "
        + "missing=$(sqlite3 \"$copy\" \"$2\"); "
        + "if [ -n \"$missing\" ]; then echo \"$1 has no table $missing\" >&2; exit 4; fi; "
        + "objects=$(sqlite3 \"$copy\" \"$3\"); "
        + "sqlite3 -bail \"$copy\" \".dump $4 $objects\"";

    private readonly SourceContext _context;
    private readonly SqliteSource _options;

    public SqliteTablesSource(SourceContext context, SqliteSource options)
    {
        _context = context;
        _options = options;
    }

    public string DisplayName => $"sqlite {_options.Volume}:{_options.File}";

    public ManifestSourceKind Kind => SqliteKind.Sqlite;

    public ManifestArtifactFormat Format => SqlDumps.Sql;

    public async Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken)
    {
        if (await _context.Docker.Volumes.TryInspectAsync(_options.Volume, cancellationToken) is null)
        {
            throw new ArtifactFailedException(
                $"Volume '{_options.Volume}' (of {DisplayName}) does not exist on this engine. Check the name with `docker volume ls`.");
        }

        var image = _options.Image ?? _context.HelperImage;
        var descriptor = new ArtifactDescriptor
        {
            BaseFileName = _options.ArtifactName + ".sql",
            Kind = SqliteKind.Sqlite,
            SourceName = $"{_options.Volume}:{_options.File}",
            Format = SqlDumps.Sql,
            Image = image,
        };
        var spec = new HelperSpec
        {
            Image = image,
            Command =
            [
                "sh", "-c", Script, "sh", _options.File,
                SqliteTables.MissingQuery(_options.Tables), SqliteTables.ObjectsQuery(_options.Tables), SqliteTables.DumpArguments(_options.Tables),
            ],
            Mounts = [new MountSpec { Type = "volume", Source = _options.Volume, Target = MountPoint, ReadOnly = false }],
            Labels = _context.HelperLabels(),
            Capabilities = ["DAC_READ_SEARCH", "DAC_OVERRIDE", "FOWNER"],
            Purpose = $"dump tables {string.Join(", ", _options.Tables)} of {DisplayName}",
        };
        return [new HelperStreamProducer(_context, descriptor, spec)];
    }
}
