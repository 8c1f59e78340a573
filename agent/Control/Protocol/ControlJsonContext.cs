using System.Text.Json.Serialization;
using VolumeAgent.Control.Status;

namespace VolumeAgent.Control.Protocol;

/// <summary>The control protocol's JSON: snake_case, nulls left out, one object per line (never indented).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlEvent))]
[JsonSerializable(typeof(AgentStatus))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
