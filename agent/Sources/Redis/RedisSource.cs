using VolumeAgent.Policy;

namespace VolumeAgent.Sources.Redis;

/// <summary>A Redis server in a container, snapshotted with <c>redis-cli --rdb -</c> through <c>docker exec</c>.</summary>
internal sealed record RedisSource : SourceOptions
{
    /// <summary>Container name, or compose service name resolved within the policy's project.</summary>
    public required string Target { get; init; }

    /// <summary>The server's password (<c>requirepass</c>); null uses the container's REDIS_PASSWORD, else none.</summary>
    public Secret? Password { get; init; }

    public override string Kind => RedisKind.Name;

    protected override string DefaultArtifactName => "redis-" + Target;

    public override string Describe() => $"redis {Target} (RDB snapshot)";
}
