using VolumeAgent.Policy;

namespace VolumeAgent.Storage.S3;

/// <summary>A bucket on Amazon S3 or an S3-compatible server.</summary>
internal sealed record S3StorageOptions : StorageOptions
{
    public const string TypeName = "s3";
    public const int DefaultPartSizeMiB = 16;
    public const int DefaultPartsInFlight = 2;

    /// <summary>The server's base address; null means Amazon S3 for <see cref="Region"/>.</summary>
    public Uri? Endpoint { get; init; }

    public required string Bucket { get; init; }

    public string Region { get; init; } = PolicyDefaults.S3Region;

    /// <summary>Key prefix for everything the agent writes: empty, or ending in <c>/</c>.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>From <c>access_key</c>, <c>access_key_file</c> or the agent's <c>AWS_ACCESS_KEY_ID</c>.</summary>
    public required Secret AccessKey { get; init; }

    /// <summary>From <c>secret_key</c>, <c>secret_key_file</c> or the agent's <c>AWS_SECRET_ACCESS_KEY</c>.</summary>
    public required Secret SecretKey { get; init; }

    /// <summary>The agent's <c>AWS_SESSION_TOKEN</c>, taken with keys that come from the standard AWS variables.</summary>
    public Secret? SessionToken { get; init; }

    /// <summary>Address buckets as <c>endpoint/bucket</c> rather than <c>bucket.endpoint</c> (MinIO and most self-hosted servers).</summary>
    public bool PathStyle { get; init; }

    /// <summary>Size of each multipart upload part, <c>part_size</c> in MiB (8–64).</summary>
    public int PartSizeMiB { get; init; } = DefaultPartSizeMiB;

    /// <summary>Parts uploaded at once while the next one fills, <c>parts_in_flight</c> (1–8).</summary>
    public int PartsInFlight { get; init; } = DefaultPartsInFlight;

    public override string Type => TypeName;
}
