using System.Text.Json.Serialization;

namespace VolumeAgent.Storage;

/// <summary>
/// Where an artifact's bytes came from, as the manifest writes it (<c>volume</c>, <c>postgres</c>, <c>globals</c>, ...).
/// A value is a name, not a member of a shared list: each source kind declares the values it writes in its own
/// folder under <c>Sources/</c>, so a new kind adds its own without editing this type.
/// </summary>
[JsonConverter(typeof(ManifestNameConverter<ManifestSourceKind>))]
internal readonly record struct ManifestSourceKind : IManifestName<ManifestSourceKind>
{
    /// <param name="name">The manifest's spelling: lowercase letters, digits and underscores.</param>
    public ManifestSourceKind(string name) => Name = ManifestNames.Require(name, nameof(name));

    public string Name { get; }

    public static ManifestSourceKind FromName(string name) => new(name);

    public override string ToString() => Name;
}
