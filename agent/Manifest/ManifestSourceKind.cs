using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>Where an artifact's bytes came from.</summary>
[JsonConverter(typeof(ManifestEnumConverter<ManifestSourceKind>))]
internal enum ManifestSourceKind
{
    Volume,
    Path,
    Postgres,
    Mysql,
    Sqlite,
    Globals,
}
