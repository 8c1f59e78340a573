using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>Encryption applied to the stored file after compression; an artifact without it is stored in the clear.</summary>
[JsonConverter(typeof(ManifestEnumConverter<ManifestEncryption>))]
internal enum ManifestEncryption
{
    /// <summary>An age file (age-encryption.org/v1), named with the suffix .age.</summary>
    Age,
}
