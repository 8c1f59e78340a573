using Serilog;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// A custom-format dump starts with PGDMP (and pg_restore --list reads it, in a throwaway container from the dumped
/// server's image); a plain dump and the globals end with the trailer pg_dump / pg_dumpall write last.
/// </summary>
internal sealed class PostgresVerifier : IArtifactVerifier
{
    private static readonly byte[] PgCustomMagic = "PGDMP"u8.ToArray();

    public Task<ArtifactContentFacts> ReadContentAsync(ManifestArtifact artifact, Stream content, List<string> problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return artifact.Format == PostgresKind.PgCustom
            ? ContentReader.RequireHeaderAsync(content, PgCustomMagic, "it does not start with PGDMP, so it is not a pg_dump custom-format archive.", problems, cancellationToken)
            : ContentReader.RequireTrailerAsync(content, TrailerOf(artifact), problems, cancellationToken);
    }

    public string Describe(ArtifactScan scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        return scan.Artifact.Format == PostgresKind.PgCustom ? "SHA-256 matches; custom-format archive" : "SHA-256 matches; dump complete (trailer present)";
    }

    public IArtifactCheckSession StartChecks(SourceContext? context, ILogger log) => new PgListers(context, log);

    /// <summary>The line a complete dump ends with, or null when its format has none.</summary>
    internal static string? TrailerOf(ManifestArtifact artifact) =>
        artifact.Format == PostgresKind.PgPlain ? "-- PostgreSQL database dump complete"
        : artifact.SourceKind == PostgresKind.Globals ? "-- PostgreSQL database cluster dump complete"
        : null;
}
