using VolumeAgent.Storage;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Policy;

/// <summary>Reads the <c>storage</c> map; each entry's keys besides <c>type</c> are read by its type's provider (<see cref="StorageRegistry"/>).</summary>
internal static class StorageReader
{
    /// <summary>Each registered storage type's name, with its index in <see cref="StorageRegistry.Providers"/>.</summary>
    private static readonly (string Name, int Value)[] Types = [.. StorageRegistry.Providers.Select((p, i) => (p.TypeName, i))];

    /// <summary>The storages that are valid, plus the names of all declared ones (for checking references); names are null when <c>storage</c> itself is unusable.</summary>
    public static (Dictionary<string, StorageOptions> Storage, IReadOnlyList<string>? DeclaredNames) Read(NodeReader reader, MapNode root)
    {
        var storage = new Dictionary<string, StorageOptions>(StringComparer.Ordinal);
        var map = reader.Map(root, "storage", required: true, missingHint: "; define at least one, e.g. local: { type: local, path: /backups }");
        if (map is null)
        {
            return (storage, null);
        }

        if (map.Entries.Count == 0)
        {
            reader.Report(map.Mark, map.Path, "define at least one storage, e.g. local: { type: local, path: /backups }");
            return (storage, null);
        }

        foreach (var entry in map.Entries)
        {
            var path = map.PathOf(entry.Key);
            if (reader.CheckName(entry.Key, entry.KeyNode.Start, path, "storage") is null)
            {
                continue;
            }

            var storageMap = reader.AsMap(entry.Value, path, entry.KeyNode.Start, "a map such as { type: local, path: /backups }");
            if (storageMap is not null && ReadOne(reader, entry.Key, storageMap) is { } options)
            {
                storage.Add(entry.Key, options);
            }
        }

        return (storage, map.Entries.Select(e => e.Key).ToList());
    }

    private static StorageOptions? ReadOne(NodeReader reader, string name, MapNode map)
    {
        var type = reader.Choice(map, "type", Types, required: true);
        if (type is not { } index)
        {
            reader.RejectUnknownKeys(map, StorageRegistry.AllKeys);
            return null;
        }

        return StorageRegistry.Providers[index].Read(reader, name, map);
    }
}
