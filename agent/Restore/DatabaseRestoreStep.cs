using System.Diagnostics;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore;

/// <summary>One database dump into a PostgreSQL or MySQL/MariaDB container, into a database created when missing.</summary>
internal sealed class DatabaseRestoreStep : IRestoreStep
{
    public required ArtifactScan Scan { get; init; }

    /// <summary>Exactly one of <see cref="Postgres"/> and <see cref="Mysql"/> is set.</summary>
    public PostgresTarget? Postgres { get; init; }

    public MysqlTarget? Mysql { get; init; }

    public required string Database { get; init; }

    public required DatabaseState State { get; init; }

    public bool Overwrites => State.Exists && !State.IsEmpty;

    private string Server => Postgres is not null ? $"postgres container {Postgres.Name}" : $"mysql container {Mysql!.Name}";

    public string Summary
    {
        get
        {
            var how = !Overwrites
                ? State.Describe(Database)
                : Postgres is not null
                    ? $"{State.Describe(Database)}: the backup's objects are DROPPED and recreated (pg_restore --clean --if-exists); other objects stay"
                    : $"{State.Describe(Database)}: the backup's tables are DROPPED and recreated; other tables stay";
            return $"{Server} ← {Scan.File}: {how}";
        }
    }

    public async Task<string> RunAsync(RestoreEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var clock = Stopwatch.StartNew();
        var created = false;
        try
        {
            if (!State.Exists)
            {
                await (Postgres is not null ? Postgres.CreateDatabaseAsync(Database, cancellationToken) : Mysql!.CreateDatabaseAsync(Database, cancellationToken));
                created = true;
            }

            await using var source = await environment.OpenAsync(Scan, cancellationToken);
            if (Postgres is not null)
            {
                await Postgres.RestoreDatabaseAsync(Database, Scan.Artifact.Format, source.Content, clean: Overwrites, cancellationToken);
            }
            else
            {
                await Mysql!.RestoreDatabaseAsync(Database, source.Content, cancellationToken);
            }

            await source.EnsureIntactAsync(cancellationToken);
        }
        catch when (created)
        {
            await DropQuietlyAsync(environment);
            throw;
        }

        var owner = created && Postgres is not null && Scan.Artifact.Format == ManifestArtifactFormat.PgCustom
            ? await GiveToOwnerAsync(environment, Postgres, cancellationToken)
            : string.Empty;
        return $"{Server}: database '{Database}' restored from {Scan.File} in {clock.Elapsed.TotalSeconds:0.0} s{owner}";
    }

    /// <summary>
    /// A database created here belongs to the role restoring it; the archive says whose it was. That matters:
    /// since PostgreSQL 15 only the database's owner may create objects in its public schema.
    /// </summary>
    private async Task<string> GiveToOwnerAsync(RestoreEnvironment environment, PostgresTarget target, CancellationToken cancellationToken)
    {
        await using var source = await environment.OpenAsync(Scan, cancellationToken);
        var owner = await target.ArchiveOwnerAsync(source.Content, Scan.Artifact.Database!, cancellationToken);
        if (owner is null || owner == target.User)
        {
            return string.Empty;
        }

        if (!(await target.RolesAsync(cancellationToken)).Contains(owner))
        {
            environment.Log.ForEvent(LogEvents.RestoredDatabaseOwnerChanged).Warning("Database {Database} belonged to role {Owner}, which container {Container} does not have; it now belongs to {User}", Database, owner, target.Name, target.User);
            return $"; owner {target.User} (the original owner, role {owner}, does not exist here: restore the globals too)";
        }

        await target.SetOwnerAsync(Database, owner, cancellationToken);
        return $"; owner {owner}";
    }

    /// <summary>A database this step created and could not fill is removed: no half-restored database is left to be mistaken for a good one.</summary>
    private async Task DropQuietlyAsync(RestoreEnvironment environment)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await (Postgres is not null ? Postgres.DropDatabaseAsync(Database, bound.Token) : Mysql!.DropDatabaseAsync(Database, bound.Token));
        }
        catch (Exception ex) when (ex is RestoreFailedException or Docker.DockerApiException or Docker.DockerUnavailableException or OperationCanceledException or IOException)
        {
            environment.Log.ForEvent(LogEvents.RestoredDatabaseNotDropped).Warning("Could not drop database {Database}, created for the failed restore: {Error}", Database, ex.Message);
        }
    }

    internal static bool IsDatabaseDump(ManifestArtifact artifact) =>
        artifact.SourceKind is ManifestSourceKind.Postgres or ManifestSourceKind.Mysql && artifact.Database is not null;
}
