using System.Text.Json;
using System.Text.Json.Serialization;

namespace VolumeAgent.Storage;

/// <summary>A manifest value that is written as its name, e.g. <see cref="ManifestSourceKind"/>.</summary>
internal interface IManifestName<TSelf>
    where TSelf : struct, IManifestName<TSelf>
{
    string Name { get; }

    static abstract TSelf FromName(string name);
}

/// <summary>The rule every manifest name follows, so a manifest never carries a value that cannot be spelled back.</summary>
internal static class ManifestNames
{
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    public static string Require(string name, string parameter) =>
        IsValid(name) ? name : throw new ArgumentException($"'{name}' is not a manifest name (lowercase letters, digits and underscores).", parameter);
}

/// <summary>
/// Writes a manifest name as a JSON string and reads it back; numbers, null and malformed names are refused on
/// read, as the enum converter refuses them for the manifest's other values.
/// </summary>
internal sealed class ManifestNameConverter<T> : JsonConverter<T>
    where T : struct, IManifestName<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"The JSON value could not be converted to {typeof(T).Name}: expected a string, got {reader.TokenType}.");
        }

        var name = reader.GetString();
        return ManifestNames.IsValid(name)
            ? T.FromName(name!)
            : throw new JsonException($"The JSON value '{name}' could not be converted to {typeof(T).Name}: not a lowercase name.");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.Name);
    }
}
