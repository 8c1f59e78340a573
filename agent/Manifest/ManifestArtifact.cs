using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>One source's output within a set, successful or not.</summary>
internal sealed record ManifestArtifact
{
    /// <summary>File name inside the set directory; null when the source failed before any output was kept.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required string? File { get; init; }

    public required ManifestSourceKind SourceKind { get; init; }

    /// <summary>Volume name, host path, or database container/service name, as the job names it.</summary>
    public required string SourceName { get; init; }

    public string? Database { get; init; }

    public string? Container { get; init; }

    /// <summary>
    /// The engine the source was read on, by its backup.yml name (<c>default</c>: the engine of DOCKER_HOST); restores
    /// and drills go there. Null in manifests written before engines had names: the default engine.
    /// </summary>
    public string? Engine { get; init; }

    public string? Image { get; init; }

    /// <summary>The dump tool's own version line, e.g. "pg_dump (PostgreSQL) 15.8".</summary>
    public string? ToolVersion { get; init; }

    public required ManifestArtifactFormat Format { get; init; }

    public required ManifestCompression Compression { get; init; }

    /// <summary>Bytes produced by the source, before compression.</summary>
    public required long RawBytes { get; init; }

    /// <summary>Bytes of the stored file, after compression (and encryption).</summary>
    public required long StoredBytes { get; init; }

    /// <summary>Lowercase hex SHA-256 of the stored file; null when there is no file.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required string? Sha256 { get; init; }

    /// <summary>Null when the file is stored as compression left it (every manifest before encryption existed).</summary>
    public ManifestEncryption? Encryption { get; init; }

    /// <summary>Lowercase hex SHA-256 of the decrypted file (what <c>age -d</c> gives back); only with <see cref="Encryption"/>.</summary>
    public string? PlaintextSha256 { get; init; }

    public required ManifestStatus Status { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required long DurationMs { get; init; }

    public string? Error { get; init; }

    /// <summary>A digest over the archived tree (names, modes, contents), for comparing a restore with its source.</summary>
    public string? TreeDigest { get; init; }

    /// <summary>Number of entries (files, directories, links) in an archive, or rows/objects for a dump.</summary>
    public long? Entries { get; init; }

    /// <summary>
    /// Set when a storage keeps the source's file tree itself (format <c>file_tree</c>): then <see cref="File"/> and
    /// <see cref="Sha256"/> are null, and only the storage named there holds it.
    /// </summary>
    public ManifestSnapshot? Snapshot { get; init; }

    /// <summary>
    /// Whether the copy of the set in storage <paramref name="storage"/> holds this artifact: a snapshot only in its own
    /// storage; a file everywhere, except where a snapshot of the same source replaces it (a job that writes a volume to
    /// a restic storage and to plain ones has the tar in the plain ones and the snapshot in the restic one).
    /// </summary>
    public bool IsHeldBy(string storage, IReadOnlyList<ManifestArtifact> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        if (Snapshot is { } snapshot)
        {
            return string.Equals(snapshot.Storage, storage, StringComparison.Ordinal);
        }

        return !all.Any(a => a.Snapshot is { } other && string.Equals(other.Storage, storage, StringComparison.Ordinal)
            && a.SourceKind == SourceKind && string.Equals(a.SourceName, SourceName, StringComparison.Ordinal));
    }
}

/// <summary>
/// A file tree one storage keeps itself instead of as an artifact file of the set (a restic snapshot of a volume made
/// in the storage's own helper): which storage holds it, the snapshot's id, and what the storage reported making it.
/// </summary>
internal sealed record ManifestSnapshot
{
    /// <summary>The storage's name in backup.yml; only that storage's copy of the set holds the tree.</summary>
    public required string Storage { get; init; }

    /// <summary>The snapshot's id in the storage.</summary>
    public required string Id { get; init; }

    /// <summary>The previous snapshot of the same source the storage compared with (unchanged files were not read); null on a first run.</summary>
    public string? Parent { get; init; }

    public long FilesNew { get; init; }

    public long FilesChanged { get; init; }

    public long FilesUnmodified { get; init; }

    /// <summary>Bytes the snapshot added to the storage (after deduplication and compression).</summary>
    public long DataAdded { get; init; }
}
