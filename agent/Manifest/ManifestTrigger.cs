using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>What started the run.</summary>
[JsonConverter(typeof(ManifestEnumConverter<ManifestTrigger>))]
internal enum ManifestTrigger
{
    Schedule,
    Manual,
    Drill,
}
