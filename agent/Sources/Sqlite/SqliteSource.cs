using VolumeAgent.Policy;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>An SQLite database file inside a volume.</summary>
internal sealed record SqliteSource : SourceOptions
{
    public required string Volume { get; init; }

    /// <summary>The database file's path relative to the volume's root.</summary>
    public required string File { get; init; }

    /// <summary>The image of the helper that copies the database; it needs <c>sqlite3</c>. Null: the policy's helper_image.</summary>
    public string? Image { get; init; }

    /// <summary>
    /// The <c>tables</c> key: when given, the artifact is an SQL script (<c>.dump</c>) of just these tables with their
    /// indexes and triggers, instead of a copy of the whole file.
    /// </summary>
    public IReadOnlyList<string> Tables { get; init; } = [];

    public override string Kind => SqliteKind.Name;

    protected override string DefaultArtifactName =>
        "sqlite-" + Volume + "-" + ArtifactNames.Sanitize(System.IO.Path.GetFileNameWithoutExtension(File), "db");

    public override string Describe() => $"sqlite {Volume}:{File}" + (Tables.Count > 0 ? $" (tables: {string.Join(", ", Tables)})" : string.Empty);
}
