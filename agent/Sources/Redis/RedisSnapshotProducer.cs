using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// The snapshot's exec (<see cref="ExecDumpProducer"/>, checked by <see cref="RdbSnapshotCheck"/>), with the server's
/// key counts asked just before it starts and again once it is whole. When both agree, the snapshot holds them, and
/// they go into the manifest (the artifact's <c>entries</c> and, per database, its <c>tree_digest</c>) for the drill to
/// compare; keys written or deleted meanwhile leave the counts unrecorded.
/// </summary>
internal sealed class RedisSnapshotProducer : IArtifactProducer
{
    private readonly ExecDumpProducer _snapshot;
    private readonly RedisCli _cli;
    private RedisKeyspace? _before;
    private RedisKeyspace? _recorded;

    public RedisSnapshotProducer(ExecDumpProducer snapshot, RedisCli cli)
    {
        _snapshot = snapshot;
        _cli = cli;
    }

    public ArtifactDescriptor Descriptor => _snapshot.Descriptor;

    public string Subject => $"the RDB snapshot of container {_cli.Name}";

    public ArtifactFacts Facts => _recorded is null
        ? ArtifactFacts.None
        : new ArtifactFacts(_recorded.Keys, _recorded.ToDigest());

    public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        _before = await _cli.KeyspaceAsync(RedisSnapshotSource.SourceRemedy, cancellationToken);
        return await _snapshot.OpenAsync(cancellationToken);
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await _snapshot.CompleteAsync(cancellationToken);
        var after = await _cli.KeyspaceAsync(RedisSnapshotSource.SourceRemedy, cancellationToken);
        _recorded = after.Equals(_before) ? after : null;
    }

    public Task<string?> DiagnoseStallAsync(CancellationToken cancellationToken) => _snapshot.DiagnoseStallAsync(cancellationToken);

    public ValueTask DisposeAsync() => _snapshot.DisposeAsync();
}
