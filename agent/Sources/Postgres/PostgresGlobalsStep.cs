using VolumeAgent.Restore;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Postgres;

/// <summary>pg_dumpall's roles and tablespaces into a PostgreSQL container; existing roles are left as they are.</summary>
internal sealed class PostgresGlobalsStep : IRestoreStep
{
    public required ArtifactScan Scan { get; init; }

    public required PostgresTarget Target { get; init; }

    public required IReadOnlySet<string> ExistingRoles { get; init; }

    public bool Overwrites => false;

    public Policy.SourceOptions? SafetyCopy => null;

    public string Summary
    {
        get
        {
            // PostgreSQL's predefined roles (pg_*) are never in a dump; only the server's own roles are worth naming.
            var roles = ExistingRoles.Where(r => !r.StartsWith("pg_", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            return $"postgres container {Target.Name} ← {Scan.File}: roles and tablespaces; roles that exist already ({string.Join(", ", roles.Take(8))}{(roles.Count > 8 ? ", …" : string.Empty)}) are left as they are";
        }
    }

    public async Task<string> RunAsync(RestoreEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        await using var source = await environment.OpenAsync(Scan, cancellationToken);
        var filter = await Target.RestoreGlobalsAsync(source.Content, cancellationToken);
        await source.EnsureIntactAsync(cancellationToken);
        return $"postgres container {Target.Name}: globals from {Scan.File}; roles created: {List(filter.CreatedRoles)}; left as they were: {List(filter.SkippedRoles)}";
    }

    private static string List(IReadOnlyCollection<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);
}
