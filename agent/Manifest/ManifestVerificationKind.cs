using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>How a set was checked after it was written.</summary>
[JsonConverter(typeof(ManifestEnumConverter<ManifestVerificationKind>))]
internal enum ManifestVerificationKind
{
    Verify,
    Drill,
}
