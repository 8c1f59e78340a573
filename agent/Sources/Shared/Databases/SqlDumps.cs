using VolumeAgent.Policy;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>What the database kinds share in backup.yml and the manifest.</summary>
internal static class SqlDumps
{
    /// <summary>The manifest format of an SQL script restored by feeding it to the server's client.</summary>
    public static readonly ManifestArtifactFormat Sql = new("sql");

    /// <summary>A source's <c>databases</c> list; empty means every database.</summary>
    public static IReadOnlyList<string> ReadDatabases(NodeReader reader, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.TextList(map, "databases", "[app]") ?? [];
    }
}
