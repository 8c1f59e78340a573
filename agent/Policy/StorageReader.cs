using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Policy;

/// <summary>Reads the <c>storage</c> map.</summary>
internal static class StorageReader
{
    private static readonly (string Name, StorageType Value)[] Types =
        [(LocalStorageOptions.TypeName, StorageType.Local), (S3StorageOptions.TypeName, StorageType.S3)];

    private static readonly string[] AllKeys = [.. PolicyKeys.LocalStorage.Union(PolicyKeys.S3Storage)];

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
        switch (type)
        {
            case StorageType.Local:
                reader.RejectUnknownKeys(map, PolicyKeys.LocalStorage, key => PolicyKeys.S3Storage.Contains(key) ? $"'{key}' applies to s3 storage only, and this one is local" : null);
                var directory = reader.AbsolutePath(map, "path", required: true, missingHint: "; the directory backup sets are written to, e.g. /backups");
                var create = reader.Boolean(map, "create") ?? false;
                return directory is null ? null : new LocalStorageOptions { Name = name, Path = directory, Create = create };
            case StorageType.S3:
                reader.RejectUnknownKeys(map, PolicyKeys.S3Storage);
                return ReadS3(reader, name, map);
            default:
                reader.RejectUnknownKeys(map, AllKeys);
                return null;
        }
    }

    private static S3StorageOptions? ReadS3(NodeReader reader, string name, MapNode map)
    {
        var problemsBefore = reader.Problems.Count;
        Uri? endpoint = null;
        if (reader.Text(map, "endpoint") is { } endpointText)
        {
            if (Uri.TryCreate(endpointText, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            {
                endpoint = uri;
            }
            else
            {
                reader.Report(NodeReader.ValueMark(map, "endpoint"), map.PathOf("endpoint"), $"'{endpointText}' is not an http:// or https:// address");
            }
        }

        var bucket = reader.Text(map, "bucket", required: true, missingHint: "; the bucket's name");
        if (bucket is not null && (bucket.Contains('/', StringComparison.Ordinal) || bucket.Any(char.IsWhiteSpace)))
        {
            reader.Report(NodeReader.ValueMark(map, "bucket"), map.PathOf("bucket"), $"'{bucket}' is not a bucket name; put folders in 'prefix'");
        }

        var region = reader.Text(map, "region") ?? PolicyDefaults.S3Region;
        var prefix = reader.Text(map, "prefix") ?? string.Empty;
        if (prefix.StartsWith('/'))
        {
            reader.Report(NodeReader.ValueMark(map, "prefix"), map.PathOf("prefix"), $"must not start with '/', got '{prefix}'");
        }
        else if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            prefix += "/";
        }

        var accessKey = ReadRequiredSecret(reader, map, "access_key");
        var secretKey = ReadRequiredSecret(reader, map, "secret_key");
        var pathStyle = reader.Boolean(map, "path_style") ?? false;
        if (reader.Problems.Count > problemsBefore || bucket is null || accessKey is null || secretKey is null)
        {
            return null;
        }

        return new S3StorageOptions
        {
            Name = name,
            Endpoint = endpoint,
            Bucket = bucket,
            Region = region,
            Prefix = prefix,
            AccessKey = accessKey,
            SecretKey = secretKey,
            PathStyle = pathStyle,
        };
    }

    private static Secret? ReadRequiredSecret(NodeReader reader, MapNode map, string key)
    {
        if (!map.Has(key) && !map.Has(key + "_file"))
        {
            reader.ReportMissing(map, key, $"; set '{key}' or '{key}_file'");
            return null;
        }

        return reader.Secret(map, key);
    }

    private enum StorageType
    {
        Local,
        S3,
    }
}
