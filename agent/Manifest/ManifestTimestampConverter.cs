using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>
/// Manifest times are ISO 8601 in UTC with a 'Z' ("2026-11-21T02:00:03.1234567Z"), whatever offset the
/// value carried in memory, so files from hosts in different zones compare as text. Reading accepts any
/// ISO 8601 offset; a time without one is taken as UTC rather than as the reader's local time.
/// </summary>
internal sealed class ManifestTimestampConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"A time must be an ISO 8601 string, not {reader.TokenType}.");
        }

        if (reader.TryGetDateTime(out var dateTime) && dateTime.Kind == DateTimeKind.Unspecified)
        {
            return new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc));
        }

        return reader.TryGetDateTimeOffset(out var value)
            ? value.ToUniversalTime()
            : throw new JsonException($"'{reader.GetString()}' is not an ISO 8601 time such as 2026-11-21T02:00:03Z.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }
}
