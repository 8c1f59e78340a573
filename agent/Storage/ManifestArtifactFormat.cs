using System.Text.Json.Serialization;

namespace VolumeAgent.Storage;

/// <summary>
/// The format of an artifact's content before compression (<c>tar</c>, <c>pg_custom</c>, <c>sql</c>, ...), which
/// decides its check and restore tool. Declared, like <see cref="ManifestSourceKind"/>, by the source kinds that write it.
/// </summary>
[JsonConverter(typeof(ManifestNameConverter<ManifestArtifactFormat>))]
internal readonly record struct ManifestArtifactFormat : IManifestName<ManifestArtifactFormat>
{
    /// <param name="name">The manifest's spelling: lowercase letters, digits and underscores.</param>
    public ManifestArtifactFormat(string name) => Name = ManifestNames.Require(name, nameof(name));

    public string Name { get; }

    public static ManifestArtifactFormat FromName(string name) => new(name);

    public override string ToString() => Name;
}
