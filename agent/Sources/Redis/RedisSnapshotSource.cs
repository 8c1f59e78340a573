using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;

namespace VolumeAgent.Sources.Redis;

/// <summary>One Redis container's whole dataset, one RDB artifact.</summary>
internal sealed class RedisSnapshotSource : IBackupSource
{
    internal const string SourceRemedy = "Point the source at the container that runs the Redis server; the agent runs redis-cli inside it.";
    private readonly SourceContext _context;
    private readonly RedisSource _options;

    public RedisSnapshotSource(SourceContext context, RedisSource options)
    {
        _context = context;
        _options = options;
    }

    public string DisplayName => $"redis {_options.Target}";

    public ManifestSourceKind Kind => RedisKind.Redis;

    public ManifestArtifactFormat Format => RedisKind.Rdb;

    public async Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken)
    {
        var container = await _context.Containers.ResolveRunningDatabaseAsync(_options.Target, cancellationToken);
        var password = await RedisCli.PasswordAsync(new ContainerEnvironment(_context.Docker, container), _options.Password?.Reveal(), cancellationToken);
        var cli = new RedisCli(_context.Docker, container, password);

        // Asks the server before the snapshot: a wrong container or password is named here, not as redis-cli's exit code.
        var version = await cli.ServerVersionAsync(SourceRemedy, cancellationToken);
        var descriptor = new ArtifactDescriptor
        {
            BaseFileName = $"{_options.ArtifactName}.rdb",
            Kind = RedisKind.Redis,
            SourceName = _options.Target,
            Format = RedisKind.Rdb,
            Container = cli.Name,
            Image = container.Config?.Image,
            ToolVersion = version is null ? null : $"Redis {version}",
        };
        var snapshot = new ExecDumpProducer(_context.Docker, _context.Log, container, descriptor, [RedisCli.Program, "--rdb", "-"], cli.Environment, new RdbSnapshotCheck());
        return [new RedisSnapshotProducer(snapshot, cli)];
    }
}
