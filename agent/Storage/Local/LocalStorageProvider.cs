using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Storage.Local;

/// <summary><c>type: local</c>: a directory in the agent's file system.</summary>
internal sealed class LocalStorageProvider : IStorageProvider
{
    public string TypeName => LocalStorageOptions.TypeName;

    public IReadOnlyList<string> Keys { get; } = ["type", "path", "create"];

    public bool IsAvailable => true;

    public StorageOptions? Read(NodeReader reader, string name, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        reader.RejectUnknownKeys(map, Keys, key => StorageRegistry.ExplainOtherTypesKey(key, TypeName));
        var directory = reader.AbsolutePath(map, "path", required: true, missingHint: "; the directory backup sets are written to, e.g. /backups");
        var create = reader.Boolean(map, "create") ?? false;
        return directory is null ? null : new LocalStorageOptions { Name = name, Path = directory, Create = create };
    }

    public string Describe(StorageOptions options)
    {
        var local = (LocalStorageOptions)options;
        return "local directory " + local.Path + (local.Create ? " (create: true)" : string.Empty);
    }

    public string? FindProblem(StorageOptions options)
    {
        var local = (LocalStorageOptions)options;
        return LocalStorageRoot.FindProblem(local.Path, local.Create)?.Message;
    }

    public IObjectStore Open(StorageOptions options)
    {
        var local = (LocalStorageOptions)options;
        return new LocalDirectoryStore(local.Path, local.Create);
    }
}
