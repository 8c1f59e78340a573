using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>A copy of an SQLite database starts with SQLite's header; a script of some of its tables ends with COMMIT.</summary>
internal sealed class SqliteVerifier : IArtifactVerifier
{
    private static readonly byte[] SqliteMagic = "SQLite format 3\0"u8.ToArray();

    public Task<ArtifactContentFacts> ReadContentAsync(ManifestArtifact artifact, Stream content, List<string> problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return artifact.Format == SqliteKind.DatabaseFile
            ? ContentReader.RequireHeaderAsync(content, SqliteMagic, "it does not start with the SQLite header, so it is not an SQLite database file.", problems, cancellationToken)
            : ContentReader.RequireTrailerAsync(content, SqliteTables.Trailer, problems, cancellationToken);
    }

    public string Describe(ArtifactScan scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        return scan.Artifact.Format == SqliteKind.DatabaseFile ? "SHA-256 matches; SQLite database file" : "SHA-256 matches; dump complete (trailer present)";
    }
}
