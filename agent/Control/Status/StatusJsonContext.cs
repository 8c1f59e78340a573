using System.Text.Json.Serialization;

namespace VolumeAgent.Control.Status;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(StatusFile))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
