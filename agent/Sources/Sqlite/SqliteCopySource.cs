using VolumeAgent.Docker.Models;
using VolumeAgent.Policy;
using VolumeAgent.Storage;
using VolumeAgent.Sources.Shared.Helpers;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>
/// An SQLite database in a volume, copied with SQLite's online backup (<c>.backup</c>), never as raw bytes of a
/// live file, and checked with <c>PRAGMA integrity_check</c> before a byte leaves the helper.
/// </summary>
internal sealed class SqliteCopySource : IBackupSource
{
    private const string MountPoint = "/data";

    // The copy is made inside the helper (its own writable layer), checked, then streamed out and removed
    // with the helper. sqlite3 needs the database's directory writable for its lock and WAL index files.
    private const string Script =
        "set -e; copy=/tmp/volume-agent-copy.db; "
        + "sqlite3 \"/data/$1\" \".timeout 60000\" \".backup '$copy'\"; "
        + "result=$(sqlite3 \"$copy\" 'PRAGMA integrity_check;'); "
        + "if [ \"$result\" != ok ]; then echo \"integrity_check of the copy: $result\" >&2; exit 3; fi; "
        + "cat \"$copy\"";

    private readonly SourceContext _context;
    private readonly SqliteSource _options;

    public SqliteCopySource(SourceContext context, SqliteSource options)
    {
        _context = context;
        _options = options;
    }

    public string DisplayName => $"sqlite {_options.Volume}:{_options.File}";

    public ManifestSourceKind Kind => SqliteKind.Sqlite;

    public ManifestArtifactFormat Format => SqliteKind.DatabaseFile;

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
            BaseFileName = _options.ArtifactName + ".sqlite",
            Kind = SqliteKind.Sqlite,
            SourceName = $"{_options.Volume}:{_options.File}",
            Format = SqliteKind.DatabaseFile,
            Image = image,
        };
        var spec = new HelperSpec
        {
            Image = image,
            Command = ["sh", "-c", Script, "sh", _options.File],
            Mounts = [new MountSpec { Type = "volume", Source = _options.Volume, Target = MountPoint, ReadOnly = false }],
            Labels = _context.HelperLabels(),
            Capabilities = ["DAC_READ_SEARCH", "DAC_OVERRIDE", "FOWNER"],
            Purpose = $"copy {DisplayName}",
        };
        return [new HelperStreamProducer(_context, descriptor, spec)];
    }
}
