using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>The format of an artifact's content before compression, which decides the restore tool.</summary>
[JsonConverter(typeof(ManifestEnumConverter<ManifestArtifactFormat>))]
internal enum ManifestArtifactFormat
{
    Tar,
    PgCustom,
    PgPlain,
    Sql,
    Sqlite,
}
