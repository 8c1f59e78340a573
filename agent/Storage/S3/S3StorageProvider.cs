using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Storage.S3;

/// <summary>
/// <c>type: s3</c>: a bucket on Amazon S3 or an S3-compatible server, written through <see cref="S3ObjectStore"/>.
/// Keys come from backup.yml (inline, <c>${VAR}</c> or <c>*_file</c>) or else from the standard AWS variables.
/// </summary>
internal sealed class S3StorageProvider : IStorageProvider
{
    public const string AccessKeyVariable = "AWS_ACCESS_KEY_ID";
    public const string SecretKeyVariable = "AWS_SECRET_ACCESS_KEY";
    public const string SessionTokenVariable = "AWS_SESSION_TOKEN";
    public const int MinPartSizeMiB = 8;
    public const int MaxPartSizeMiB = 64;
    public const int MaxPartsInFlight = 8;

    public string TypeName => S3StorageOptions.TypeName;

    public IReadOnlyList<string> Keys { get; } =
        ["type", "endpoint", "bucket", "region", "prefix", "access_key", "access_key_file", "secret_key", "secret_key_file", "path_style", "part_size", "parts_in_flight"];

    public bool IsAvailable => true;

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

        var accessKey = ReadRequiredSecret(reader, map, "access_key", AccessKeyVariable);
        var secretKey = ReadRequiredSecret(reader, map, "secret_key", SecretKeyVariable);
        var sessionToken = !map.Has("access_key") && !map.Has("access_key_file") && !map.Has("secret_key") && !map.Has("secret_key_file")
            && reader.Environment.GetVariable(SessionTokenVariable) is { Length: > 0 } token ? new Secret(token) : null;
        var pathStyle = reader.Boolean(map, "path_style") ?? false;
        var partSize = reader.Integer(map, "part_size", MinPartSizeMiB, MaxPartSizeMiB) ?? S3StorageOptions.DefaultPartSizeMiB;
        var partsInFlight = reader.Integer(map, "parts_in_flight", 1, MaxPartsInFlight) ?? S3StorageOptions.DefaultPartsInFlight;
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
            SessionToken = sessionToken,
            PathStyle = pathStyle,
            PartSizeMiB = partSize,
            PartsInFlight = partsInFlight,
        };
    }

    public string Describe(StorageOptions options)
    {
        var s3 = (S3StorageOptions)options;
        return $"s3 bucket {s3.Bucket} at {(s3.Endpoint?.ToString() ?? "AWS")}, region {s3.Region}"
            + (s3.Prefix.Length > 0 ? ", prefix " + s3.Prefix : string.Empty)
            + (s3.PathStyle ? ", path-style" : string.Empty);
    }

    /// <summary>Null: whether a bucket can be written is only known by asking the server, which a run does first.</summary>
    public string? FindProblem(StorageOptions options) => null;

    public IObjectStore Open(StorageOptions options) => new S3ObjectStore((S3StorageOptions)options);

    /// <summary>The key from backup.yml, else from the agent's standard AWS variable; a problem when neither has it.</summary>
    private static Secret? ReadRequiredSecret(NodeReader reader, MapNode map, string key, string variable)
    {
        if (!map.Has(key) && !map.Has(key + "_file"))
        {
            if (reader.Environment.GetVariable(variable) is { Length: > 0 } value)
            {
                return new Secret(value);
            }

            reader.ReportMissing(map, key, $"; set '{key}' or '{key}_file', or {variable} in the agent's environment");
            return null;
        }

        return reader.Secret(map, key);
    }
}
