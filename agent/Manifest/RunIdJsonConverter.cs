using System.Text.Json;
using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

internal sealed class RunIdJsonConverter : JsonConverter<RunId>
{
    public override RunId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"A run id must be a string of {RunId.Length} lowercase hex characters, not {reader.TokenType}.");
        }

        var text = reader.GetString();
        return RunId.TryParse(text, out var id)
            ? id
            : throw new JsonException($"'{text}' is not a run id: expected exactly {RunId.Length} lowercase hex characters.");
    }

    public override void Write(Utf8JsonWriter writer, RunId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
