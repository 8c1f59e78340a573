using System.Text;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Restore.Drill;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// The globals, then each database, restored into a scratch PostgreSQL server from the dumped container's image; each
/// database dumped again as plain SQL and compared with the backup (a custom-format archive turned into SQL by pg_restore).
/// </summary>
internal sealed class PostgresDrill : DatabaseDrill<PostgresTarget>
{
    protected override async Task<(ScratchDatabase Server, PostgresTarget Connection)> StartAsync(
        SourceContext context, string image, ILogger log, CancellationToken cancellationToken)
    {
        var password = ScratchDatabase.NewPassword();
        var scratch = await ScratchDatabase.StartAsync(context, image, PostgresKind.Name, [$"POSTGRES_PASSWORD={password}", "POSTGRES_USER=postgres"], log, cancellationToken);
        try
        {
            // TCP on 127.0.0.1: the entrypoint's temporary set-up server listens on the socket only.
            await scratch.WaitReadyAsync(["pg_isready", "--quiet", "--host", "127.0.0.1", "--username", "postgres", "--dbname", "postgres"], null, cancellationToken);
            var container = await context.Docker.Containers.InspectAsync(scratch.Id, cancellationToken);
            return (scratch, await PostgresTarget.ConnectAsync(context.Docker, container, "postgres", password, context.Log, cancellationToken));
        }
        catch
        {
            await scratch.DisposeAsync();
            throw;
        }
    }

    protected override int OrderOf(ArtifactScan scan) => scan.Artifact.SourceKind == PostgresKind.Globals ? 0 : 1;

    protected override string WhatOf(ArtifactScan scan) => scan.Artifact.Database is { } db ? $"database '{db}'" : "the globals";

    protected override async Task<ArtifactOutcome> DrillAsync(DrillContext drill, PostgresTarget server, ArtifactScan scan, string image, CancellationToken cancellationToken)
    {
        if (scan.Artifact.SourceKind == PostgresKind.Globals)
        {
            await using var globals = await drill.Environment.OpenAsync(scan, cancellationToken);
            var filter = await server.RestoreGlobalsAsync(globals.Content, cancellationToken);
            await globals.EnsureIntactAsync(cancellationToken);
            return new ArtifactOutcome(scan.File, true, $"{scan.File}: roles and tablespaces restored into a scratch server ({filter.CreatedRoles.Count} role(s) created)");
        }

        var database = scan.Artifact.Database!;

        // The scratch server's own maintenance database (postgres) exists already, empty.
        if (!(await server.DatabaseStateAsync(database, cancellationToken)).Exists)
        {
            await server.CreateDatabaseAsync(database, cancellationToken);
        }

        await using (var source = await drill.Environment.OpenAsync(scan, cancellationToken))
        {
            await server.RestoreDatabaseAsync(database, scan.Artifact.Format, source.Content, clean: false, cancellationToken);
            await source.EnsureIntactAsync(cancellationToken);
        }

        var comparison = scan.Artifact.Format == PostgresKind.PgCustom
            ? await CompareWithArchiveAsync(drill, server, scan, database, cancellationToken)
            : await CompareWithSqlAsync(drill, scan, () => server.StartPlainDumpAsync(database, cancellationToken), cancellationToken);
        return Outcome(scan, database, image, comparison);
    }

    /// <summary>The backup's archive turned back into SQL by pg_restore, against a plain dump of the restored database.</summary>
    private static async Task<DumpComparison> CompareWithArchiveAsync(
        DrillContext drill, PostgresTarget server, ArtifactScan scan, string database, CancellationToken cancellationToken)
    {
        await using var script = await server.StartArchiveToSqlAsync(cancellationToken);
        await using var dump = await server.StartPlainDumpAsync(database, cancellationToken);
        await using var source = await drill.Environment.OpenAsync(scan, cancellationToken);
        var feed = FeedAsync(source.Content, script, cancellationToken);
        DumpComparison comparison;
        try
        {
            using var expected = new StreamReader(script.Stdout, Encoding.UTF8, leaveOpen: true);
            using var actual = new StreamReader(dump.Stdout, Encoding.UTF8, leaveOpen: true);
            comparison = await DumpComparer.CompareAsync(expected, actual, cancellationToken);
        }
        catch
        {
            await script.DisposeAsync();
            await ExecRunner.ObserveAsync(feed);
            throw;
        }

        await feed;
        await EnsureExitedAsync(script, "pg_restore --file -", cancellationToken);
        await EnsureExitedAsync(dump, "pg_dump", cancellationToken);
        await source.EnsureIntactAsync(cancellationToken);
        return comparison;
    }

    private static async Task FeedAsync(Stream content, IExecProcess process, CancellationToken cancellationToken)
    {
        if (await StdinFeeder.FeedAsync(content, process.Stdin, cancellationToken))
        {
            await StdinFeeder.CloseAsync(process.Stdin, process.CloseStdin, cancellationToken);
        }
    }
}
