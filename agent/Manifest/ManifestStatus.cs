using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>Outcome of a run, an artifact or a verification: <c>succeeded</c> or <c>failed</c>.</summary>
[JsonConverter(typeof(ManifestEnumConverter<ManifestStatus>))]
internal enum ManifestStatus
{
    Succeeded,
    Failed,
}
