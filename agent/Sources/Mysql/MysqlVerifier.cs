using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Mysql;

/// <summary>A MySQL or MariaDB dump ends with the trailer the dump tool writes after the last row.</summary>
internal sealed class MysqlVerifier : IArtifactVerifier
{
    /// <summary>The line mariadb-dump and mysqldump end a complete dump with.</summary>
    public const string Trailer = "-- Dump completed";

    public Task<ArtifactContentFacts> ReadContentAsync(ManifestArtifact artifact, Stream content, List<string> problems, CancellationToken cancellationToken) =>
        ContentReader.RequireTrailerAsync(content, Trailer, problems, cancellationToken);

    public string Describe(ArtifactScan scan) => "SHA-256 matches; dump complete (trailer present)";
}
