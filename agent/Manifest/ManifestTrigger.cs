using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>What started the run.</summary>
[JsonConverter(typeof(ManifestEnumConverter<ManifestTrigger>))]
internal enum ManifestTrigger
{
    Schedule,
    Manual,
    Drill,

    /// <summary>A restore's safety copy of what it was about to replace (<c>restore --force</c>).</summary>
    [JsonStringEnumMemberName("pre-restore")]
    PreRestore,
}
