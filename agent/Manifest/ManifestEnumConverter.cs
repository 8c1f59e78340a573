using System.Text.Json;
using System.Text.Json.Serialization;

namespace VolumeAgent.Manifest;

/// <summary>
/// Writes enum members in snake_case ("pg_custom") and refuses numbers on read, so a manifest never
/// carries a value whose meaning depends on the order of members in this source.
/// </summary>
internal sealed class ManifestEnumConverter<TEnum> : JsonStringEnumConverter<TEnum>
    where TEnum : struct, Enum
{
    public ManifestEnumConverter()
        : base(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    {
    }
}
