using VolumeAgent.Docker.Models;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// Plans the globals (roles that exist already are left as they are) and each database into the PostgreSQL container
/// (one connection per container); a plain dump cannot replace a database's objects, so --force over one is refused.
/// </summary>
internal sealed class PostgresRestorePlanner : DatabaseRestorePlanner<PostgresTarget>
{
    public PostgresRestorePlanner(RestorePlanning planning)
        : base(planning)
    {
    }

    public override async Task<Func<ArtifactScan, IRestoreStep>> PlanAsync(ManifestArtifact artifact, List<string> refusals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(refusals);
        if (artifact.SourceKind == PostgresKind.Globals)
        {
            var server = await TargetAsync(artifact, cancellationToken);
            var roles = await server.RolesAsync(cancellationToken);
            return scan => new PostgresGlobalsStep { Scan = scan, Target = server, ExistingRoles = roles };
        }

        var (target, database, state) = await PlanDatabaseAsync(artifact, refusals, cancellationToken);
        if (Planning.Request.Force && state is { Exists: true, IsEmpty: false } && artifact.Format == PostgresKind.PgPlain)
        {
            refusals.Add(
                $"Database '{database}' in postgres container {target.Name} holds objects, and {artifact.File} is a plain SQL dump, which cannot replace existing objects. "
                + "Restore into a new database with --database NAME, or drop the database first.");
        }

        var safetyCopy = SafetyCopyOf(target, database, state);
        return scan => new DatabaseRestoreStep { Scan = scan, Target = target, Database = database, State = state, SafetyCopy = safetyCopy };
    }

    protected override Policy.SourceOptions SafetySource(PostgresTarget target, IReadOnlyList<string> databases, string? user, string? password) =>
        new PostgresSource { Target = target.Name, Databases = databases, User = user, Password = password is null ? null : new Policy.Secret(password) };

    protected override (string? User, string? Password) CredentialsOf(ManifestArtifact artifact) =>
        Planning.SourcesOf<PostgresSource>().FirstOrDefault(pg => string.Equals(pg.Target, artifact.SourceName, StringComparison.Ordinal)) is { } source
            ? (source.User, source.Password?.Reveal())
            : (null, null);

    protected override Task<PostgresTarget> ConnectAsync(ContainerInspect container, string? user, string? password, CancellationToken cancellationToken) =>
        PostgresTarget.ConnectAsync(Planning.Context.Docker, container, user, password, Planning.Context.Log, cancellationToken);
}
