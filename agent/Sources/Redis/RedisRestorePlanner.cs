using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// Plans a snapshot into a running Redis container: refused when the container holds keys (unless --force) or
/// persists through an append-only file, which it would start from instead of the snapshot.
/// </summary>
internal sealed class RedisRestorePlanner : IRestorePlanner
{
    internal const string RestoreRemedy = "Restore into the container that runs the Redis server (--to-container NAME); the agent runs redis-cli inside it.";
    private readonly RestorePlanning _planning;

    public RedisRestorePlanner(RestorePlanning planning) => _planning = planning;

    public async Task<Func<ArtifactScan, IRestoreStep>> PlanAsync(ManifestArtifact artifact, List<string> refusals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(refusals);
        var (container, original) = await _planning.ResolveContainerAsync(artifact, cancellationToken);
        TargetContainer.RequireRunning(container);
        var configured = original
            ? _planning.SourcesOf<RedisSource>().FirstOrDefault(s => string.Equals(s.Target, artifact.SourceName, StringComparison.Ordinal))?.Password?.Reveal()
            : null;
        RedisTarget target;
        string? password;
        try
        {
            password = await RedisCli.PasswordAsync(new ContainerEnvironment(_planning.Context.Docker, container), configured, cancellationToken);
            target = await RedisTarget.ConnectAsync(_planning.Context.Docker, container, password, RestoreRemedy, cancellationToken);
        }
        catch (ArtifactFailedException ex)
        {
            throw new RestoreRefusedException(ex.Message, ex);
        }

        if (target.AppendOnly)
        {
            refusals.Add(
                $"Redis container {target.Name} runs with appendonly yes: it starts from its append-only file and would ignore the snapshot. "
                + "Restart it with appendonly no, restore, then turn the AOF on again with `redis-cli CONFIG SET appendonly yes` (Redis writes a new AOF from the loaded data); docs/restore.md shows the steps.");
        }

        if (!target.Keyspace.IsEmpty && !_planning.Request.Force)
        {
            refusals.Add(
                $"Redis container {target.Name} is not empty ({target.Keyspace}). Restore into an empty Redis container with --to-container NAME, "
                + "or pass --force to REPLACE its whole dataset with the snapshot's.");
        }

        // Connected with the password found above, the safety copy needs no other credentials.
        var safetyCopy = new RedisSource { Target = target.Name, Password = password is null ? null : new Policy.Secret(password) };
        return scan => new RedisRestoreStep { Scan = scan, Target = target, SafetyCopy = safetyCopy };
    }
}
