using Serilog;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Restore.Drill;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Mysql;

/// <summary>Each database restored into a scratch MySQL/MariaDB server from the dumped container's image, dumped again and compared.</summary>
internal sealed class MysqlDrill : DatabaseDrill<MysqlTarget>
{
    protected override async Task<(ScratchDatabase Server, MysqlTarget Connection)> StartAsync(
        SourceContext context, string image, ILogger log, CancellationToken cancellationToken)
    {
        var password = ScratchDatabase.NewPassword();
        var scratch = await ScratchDatabase.StartAsync(
            context, image, MysqlKind.Name, [$"MARIADB_ROOT_PASSWORD={password}", $"MYSQL_ROOT_PASSWORD={password}", "MARIADB_INITDB_SKIP_TZINFO=1"], log, cancellationToken);
        try
        {
            await scratch.WaitReadyAsync(
                ["sh", "-c", "client=$(command -v mariadb || command -v mysql) && exec \"$client\" --protocol=tcp --host=127.0.0.1 --user=root --execute='SELECT 1'"],
                [$"MYSQL_PWD={password}"],
                cancellationToken);
            var container = await context.Docker.Containers.InspectAsync(scratch.Id, cancellationToken);
            return (scratch, await MysqlTarget.ConnectAsync(context.Docker, container, "root", password, context.Log, cancellationToken));
        }
        catch
        {
            await scratch.DisposeAsync();
            throw;
        }
    }

    protected override async Task<ArtifactOutcome> DrillAsync(DrillContext drill, MysqlTarget server, ArtifactScan scan, string image, CancellationToken cancellationToken)
    {
        var database = scan.Artifact.Database!;
        await server.CreateDatabaseAsync(database, cancellationToken);
        await using (var source = await drill.Environment.OpenAsync(scan, cancellationToken))
        {
            await server.RestoreDatabaseAsync(database, source.Content, cancellationToken);
            await source.EnsureIntactAsync(cancellationToken);
        }

        var comparison = await CompareWithSqlAsync(drill, scan, () => server.StartDumpAsync(database, cancellationToken), cancellationToken);
        if (comparison.Identical)
        {
            comparison = comparison with { RestoredRows = await server.RowCountsAsync(database, cancellationToken) };
        }

        return Outcome(scan, database, image, comparison);
    }
}
