using VolumeAgent.Policy;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>
/// <c>sqlite: VOLUME</c> with <c>file:</c>: an SQLite database in a volume, copied with SQLite's online backup in a
/// helper while stop_containers are down, checked by its header. Restored by hand (docs/restore.md); not drilled.
/// </summary>
internal sealed class SqliteKind : ISourceKind
{
    public const string Name = "sqlite";

    public static readonly ManifestSourceKind Sqlite = new(Name);

    /// <summary>A whole SQLite database file.</summary>
    public static readonly ManifestArtifactFormat DatabaseFile = new("sqlite");

    public string Key => Name;

    public IReadOnlyList<string> OptionKeys { get; } = ["file", "image"];

    public SourcePhase Phase => SourcePhase.Files;

    public IReadOnlyList<ManifestSourceKind> ManifestKinds { get; } = [Sqlite];

    public IReadOnlyList<ManifestArtifactFormat> Formats { get; } = [DatabaseFile];

    public IArtifactVerifier Verifier { get; } = new SqliteVerifier();

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
        return volume is null || file is null ? null : new SqliteSource { Volume = volume, File = file, Image = image };
    }

    public IBackupSource CreateSource(SourceContext context, SourceOptions options) => new SqliteCopySource(context, (SqliteSource)options);
}
