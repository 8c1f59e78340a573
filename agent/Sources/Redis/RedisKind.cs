using VolumeAgent.Policy;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// <c>redis: CONTAINER</c>: the whole dataset of a Redis server as one RDB snapshot, taken inside its container by
/// <c>redis-cli --rdb -</c> (the server forks and streams a point-in-time snapshot, as to a replica); checked by its
/// header and CRC-64, loaded into another Redis container by <c>restore --to-container</c>, drilled into a scratch
/// server from the same image with the key counts of each database compared.
/// </summary>
internal sealed class RedisKind : ISourceKind
{
    public const string Name = "redis";

    public static readonly ManifestSourceKind Redis = new(Name);

    public static readonly ManifestArtifactFormat Rdb = new("rdb");

    public string Key => Name;

    public IReadOnlyList<string> OptionKeys { get; } = ["password", "password_file"];

    public SourcePhase Phase => SourcePhase.Databases;

    public IReadOnlyList<ManifestSourceKind> ManifestKinds { get; } = [Redis];

    public IReadOnlyList<ManifestArtifactFormat> Formats { get; } = [Rdb];

    public IArtifactVerifier Verifier { get; } = new RedisVerifier();

    public ISourceDrill Drill { get; } = new RedisDrill();

    public SourceOptions? Read(NodeReader reader, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var target = reader.Name(map, Name, "container or service", required: true);
        var password = reader.Secret(map, "password");
        return target is null ? null : new RedisSource { Target = target, Password = password };
    }

    public IBackupSource CreateSource(SourceContext context, SourceOptions options) => new RedisSnapshotSource(context, (RedisSource)options);

    public IRestorePlanner StartRestore(RestorePlanning planning) => new RedisRestorePlanner(planning);

    public RestoreTraits TraitsOf(ManifestArtifact artifact) => new(Archive: false, DatabaseDump: false, ServerKind: Name);
}
