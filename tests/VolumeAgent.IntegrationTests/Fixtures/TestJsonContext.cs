using System.Text.Json;
using System.Text.Json.Serialization;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>Raw engine answers, for checking fields the client's models do not carry.</summary>
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
