using VolumeAgent.Policy;

namespace VolumeAgent.Storage.S3;

/// <summary>A bucket on Amazon S3 or an S3-compatible server.</summary>
internal sealed record S3StorageOptions : StorageOptions
{
    public const string TypeName = "s3";

    /// <summary>The server's base address; null means Amazon S3 for <see cref="Region"/>.</summary>
    public Uri? Endpoint { get; init; }

    public required string Bucket { get; init; }

    public string Region { get; init; } = PolicyDefaults.S3Region;

    /// <summary>Key prefix for everything the agent writes: empty, or ending in <c>/</c>.</summary>
    public string Prefix { get; init; } = string.Empty;

    public required Secret AccessKey { get; init; }

    public required Secret SecretKey { get; init; }

    /// <summary>Address buckets as <c>endpoint/bucket</c> rather than <c>bucket.endpoint</c> (MinIO and most self-hosted servers).</summary>
    public bool PathStyle { get; init; }

    public override string Type => TypeName;
}
