using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Storage.S3;

/// <summary>
/// <c>type: s3</c>: a bucket on Amazon S3 or an S3-compatible server. backup.yml describes it and <c>validate</c> reads
/// it, but this version of the agent cannot write it yet, so it is refused with a message that says so.
/// </summary>
internal sealed class S3StorageProvider : IStorageProvider
{
    public string TypeName => S3StorageOptions.TypeName;

    public IReadOnlyList<string> Keys { get; } =
        ["type", "endpoint", "bucket", "region", "prefix", "access_key", "access_key_file", "secret_key", "secret_key_file", "path_style"];

    public bool IsAvailable => false;

    public StorageOptions? Read(NodeReader reader, string name, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        reader.RejectUnknownKeys(map, Keys);
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

    public string Describe(StorageOptions options)
    {
        var s3 = (S3StorageOptions)options;
        return $"s3 bucket {s3.Bucket} at {(s3.Endpoint?.ToString() ?? "AWS")}, region {s3.Region}"
            + (s3.Prefix.Length > 0 ? ", prefix " + s3.Prefix : string.Empty)
            + (s3.PathStyle ? ", path-style" : string.Empty);
    }

    public string? FindProblem(StorageOptions options) => null;

    public IObjectStore Open(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        throw new NotSupportedException(
            $"Storage '{options.Name}' is of type s3, which this version of the agent cannot write yet. Use a `type: local` storage (for example a mounted network share) for now.");
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
}
