using VolumeAgent.Docker.Models;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>
/// What the database kinds' restore planners share: the target container (--to-container, else the dump's own,
/// connected with backup.yml's credentials for it), one connection per container, and the refusal of a database
/// that holds objects unless --force.
/// </summary>
internal abstract class DatabaseRestorePlanner<TTarget> : IRestorePlanner
    where TTarget : class, IDatabaseTarget
{
    private readonly Dictionary<string, TTarget> _targets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string? User, string? Password)> _credentials = new(StringComparer.Ordinal);

    // One safety copy per container, its list growing with each database of the restore that replaces data there.
    private readonly Dictionary<string, (Policy.SourceOptions Source, List<string> Databases)> _safetyCopies = new(StringComparer.Ordinal);

    protected DatabaseRestorePlanner(RestorePlanning planning) => Planning = planning;

    protected RestorePlanning Planning { get; }

    public virtual async Task<Func<ArtifactScan, IRestoreStep>> PlanAsync(ManifestArtifact artifact, List<string> refusals, CancellationToken cancellationToken)
    {
        var (target, database, state) = await PlanDatabaseAsync(artifact, refusals, cancellationToken);
        var safetyCopy = SafetyCopyOf(target, database, state);
        return scan => new DatabaseRestoreStep { Scan = scan, Target = target, Database = database, State = state, SafetyCopy = safetyCopy };
    }

    /// <summary>The user and password backup.yml gives for the source the artifact came from; nulls for the container's own.</summary>
    protected abstract (string? User, string? Password) CredentialsOf(ManifestArtifact artifact);

    /// <summary>A source of this kind that backs up <paramref name="databases"/> in <paramref name="target"/>'s container with these credentials.</summary>
    protected abstract Policy.SourceOptions SafetySource(TTarget target, IReadOnlyList<string> databases, string? user, string? password);

    /// <summary>The safety copy of the target's container that covers <paramref name="database"/> when the restore replaces its data; else null.</summary>
    protected Policy.SourceOptions? SafetyCopyOf(TTarget target, string database, DatabaseState state)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (state is not { Exists: true, IsEmpty: false })
        {
            return null;
        }

        var key = target.Name;
        if (!_safetyCopies.TryGetValue(key, out var copy))
        {
            var databases = new List<string>();
            var (user, password) = _credentials.GetValueOrDefault(key);
            copy = (SafetySource(target, databases, user, password), databases);
            _safetyCopies[key] = copy;
        }

        if (!copy.Databases.Contains(database, StringComparer.Ordinal))
        {
            copy.Databases.Add(database);
        }

        return copy.Source;
    }

    protected abstract Task<TTarget> ConnectAsync(ContainerInspect container, string? user, string? password, CancellationToken cancellationToken);

    /// <summary>The target, the database (--database, else the dump's) and its state; an occupied database is refused unless --force.</summary>
    protected async Task<(TTarget Target, string Database, DatabaseState State)> PlanDatabaseAsync(
        ManifestArtifact artifact, List<string> refusals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(refusals);
        var target = await TargetAsync(artifact, cancellationToken);
        var database = Planning.Request.Database ?? artifact.Database!;
        var state = await target.DatabaseStateAsync(database, cancellationToken);
        if (!Planning.Request.Force && state is { Exists: true, IsEmpty: false })
        {
            refusals.Add(
                $"Database '{database}' in {target.Server} is not empty ({state.Objects} object(s)). Restore into a new database with --database NAME, "
                + "or pass --force to drop and recreate the backup's objects in it.");
        }

        return (target, database, state);
    }

    protected async Task<TTarget> TargetAsync(ManifestArtifact artifact, CancellationToken cancellationToken)
    {
        var (container, original) = await Planning.ResolveContainerAsync(artifact, cancellationToken);
        if (!_targets.TryGetValue(container.Id, out var target))
        {
            var (user, password) = original ? CredentialsOf(artifact) : (null, null);
            target = await ConnectAsync(container, user, password, cancellationToken);
            _targets[container.Id] = target;
            _credentials[target.Name] = (user, password);
        }

        return target;
    }
}
