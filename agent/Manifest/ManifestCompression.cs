using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>Compression applied on top of the artifact's format.</summary>
[JsonConverter(typeof(ManifestEnumConverter<ManifestCompression>))]
internal enum ManifestCompression
{
    Gzip,
    Zstd,
    None,
}
