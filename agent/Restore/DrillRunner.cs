using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Sources;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore;

/// <summary>
/// Restores a checked set into throwaway targets and compares the result with the backup: volumes into scratch
/// volumes, read back and compared entry by entry; databases into a scratch server from the backed-up
/// container's image, dumped again and compared with the backup's own SQL. Everything it creates carries the
/// agent's labels and is removed when it ends, however it ends.
/// </summary>
internal sealed class DrillRunner
{
    private const int ListedTables = 5;
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(60);
    private readonly SourceContext _context;
    private readonly ILogger _log;

    public DrillRunner(SourceContext context, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(log);
        _context = context;
        _log = log;
    }

    /// <summary>One outcome per scanned artifact; every scan must be sound (a drill of a damaged set proves nothing).</summary>
    public async Task<IReadOnlyList<ArtifactOutcome>> RunAsync(StoredSet set, IReadOnlyList<ArtifactScan> scans, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(scans);
        var environment = new RestoreEnvironment { Set = set, Context = _context, StateDir = string.Empty, Log = _log };
        var outcomes = new Dictionary<ArtifactScan, ArtifactOutcome>();
        foreach (var scan in scans.Where(s => s.Artifact.Format == ManifestArtifactFormat.Tar))
        {
            outcomes[scan] = await DrillVolumeAsync(environment, scan, cancellationToken);
        }

        foreach (var group in scans.Where(s => s.Artifact.SourceKind is ManifestSourceKind.Postgres or ManifestSourceKind.Globals)
            .GroupBy(s => (s.Artifact.SourceName, s.Artifact.Container, s.Artifact.Image)))
        {
            foreach (var (scan, outcome) in await DrillServerAsync(environment, group.ToList(), postgres: true, cancellationToken))
            {
                outcomes[scan] = outcome;
            }
        }

        foreach (var group in scans.Where(s => s.Artifact.SourceKind == ManifestSourceKind.Mysql)
            .GroupBy(s => (s.Artifact.SourceName, s.Artifact.Container, s.Artifact.Image)))
        {
            foreach (var (scan, outcome) in await DrillServerAsync(environment, group.ToList(), postgres: false, cancellationToken))
            {
                outcomes[scan] = outcome;
            }
        }

        return scans
            .Select(scan => outcomes.GetValueOrDefault(scan)
                ?? new ArtifactOutcome(scan.File, true, $"{scan.File}: not drilled; {scan.Artifact.SourceKind.ToString().ToLowerInvariant()} artifacts are checked by verify only", Skipped: true))
            .ToList();
    }

    private async Task<ArtifactOutcome> DrillVolumeAsync(RestoreEnvironment environment, ArtifactScan scan, CancellationToken cancellationToken)
    {
        var volume = $"volume-agent-drill-{_context.RunId}-volume-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        var created = false;
        try
        {
            await _context.Docker.Volumes.CreateAsync(volume, _context.HelperLabels(ScratchDatabase.Role), cancellationToken);
            created = true;
            var target = VolumeRestorer.Volume(volume);
            var restorer = new VolumeRestorer(_context);
            await using (var source = await environment.OpenAsync(scan, cancellationToken))
            {
                await using var archive = new TarFilterStream(source.Content, TarExcludeMatcher.None, leaveOpen: true, new EntryNameGuard().Check);
                await restorer.ExtractAsync(target, archive, $"scratch volume {volume}", cancellationToken);
                await source.EnsureIntactAsync(cancellationToken);
            }

            var restored = await restorer.ReadTreeAsync(target, $"scratch volume {volume}", cancellationToken);
            var difference = TreeComparison.Compare(scan.Entries ?? [], restored);
            return difference is null
                ? new ArtifactOutcome(scan.File, true, $"{scan.File}: restored into a scratch volume; its {restored.Count} entries are identical to the backup's (paths, types, modes, owners, contents, links)")
                : new ArtifactOutcome(scan.File, false, $"{scan.File}: restored into a scratch volume, but the tree differs from the backup: {difference}");
        }
        catch (Exception ex) when (IsDrillFailure(ex, cancellationToken))
        {
            return new ArtifactOutcome(scan.File, false, $"{scan.File}: the trial restore failed: {ex.Message}");
        }
        finally
        {
            if (created)
            {
                await RemoveVolumeAsync(volume);
            }
        }
    }

    private async Task<List<(ArtifactScan, ArtifactOutcome)>> DrillServerAsync(
        RestoreEnvironment environment, List<ArtifactScan> scans, bool postgres, CancellationToken cancellationToken)
    {
        var results = new List<(ArtifactScan, ArtifactOutcome)>();
        var image = scans.Select(s => s.Artifact.Image).FirstOrDefault(i => i is not null);
        if (image is null)
        {
            results.AddRange(scans.Select(s => (s, new ArtifactOutcome(s.File, false, $"{s.File}: the manifest names no image for its server, so no scratch server can be started."))));
            return results;
        }

        ScratchDatabase server;
        try
        {
            server = postgres
                ? await ScratchDatabase.StartPostgresAsync(_context, image, _log, cancellationToken)
                : await ScratchDatabase.StartMysqlAsync(_context, image, _log, cancellationToken);
        }
        catch (Exception ex) when (IsDrillFailure(ex, cancellationToken))
        {
            results.AddRange(scans.Select(s => (s, new ArtifactOutcome(s.File, false, $"{s.File}: no scratch server could be started from {image}: {ex.Message}"))));
            return results;
        }

        await using (server)
        {
            // Roles first: the databases' objects belong to them.
            foreach (var scan in scans.OrderBy(s => s.Artifact.SourceKind == ManifestSourceKind.Globals ? 0 : 1))
            {
                ArtifactOutcome outcome;
                try
                {
                    outcome = scan.Artifact.SourceKind == ManifestSourceKind.Globals
                        ? await DrillGlobalsAsync(environment, server.Postgres!, scan, cancellationToken)
                        : await DrillDatabaseAsync(environment, server, scan, image, cancellationToken);
                }
                catch (Exception ex) when (IsDrillFailure(ex, cancellationToken))
                {
                    var what = scan.Artifact.Database is { } db ? $"database '{db}'" : "the globals";
                    outcome = new ArtifactOutcome(scan.File, false, $"{scan.File}: restoring {what} into a scratch {image} server failed: {ex.Message}");
                }

                results.Add((scan, outcome));
            }
        }

        return results;
    }

    private static async Task<ArtifactOutcome> DrillGlobalsAsync(RestoreEnvironment environment, PostgresTarget server, ArtifactScan scan, CancellationToken cancellationToken)
    {
        await using var source = await environment.OpenAsync(scan, cancellationToken);
        var filter = await server.RestoreGlobalsAsync(source.Content, cancellationToken);
        await source.EnsureIntactAsync(cancellationToken);
        return new ArtifactOutcome(scan.File, true, $"{scan.File}: roles and tablespaces restored into a scratch server ({filter.CreatedRoles.Count} role(s) created)");
    }

    private static async Task<ArtifactOutcome> DrillDatabaseAsync(
        RestoreEnvironment environment, ScratchDatabase server, ArtifactScan scan, string image, CancellationToken cancellationToken)
    {
        var database = scan.Artifact.Database!;
        DumpComparison comparison;
        if (server.Postgres is { } pg)
        {
            // The scratch server's own maintenance database (postgres) exists already, empty.
            if (!(await pg.DatabaseStateAsync(database, cancellationToken)).Exists)
            {
                await pg.CreateDatabaseAsync(database, cancellationToken);
            }

            await using (var source = await environment.OpenAsync(scan, cancellationToken))
            {
                await pg.RestoreDatabaseAsync(database, scan.Artifact.Format, source.Content, clean: false, cancellationToken);
                await source.EnsureIntactAsync(cancellationToken);
            }

            comparison = scan.Artifact.Format == ManifestArtifactFormat.PgCustom
                ? await CompareWithArchiveAsync(environment, pg, scan, database, cancellationToken)
                : await CompareWithSqlAsync(environment, scan, () => pg.StartPlainDumpAsync(database, cancellationToken), cancellationToken);
        }
        else
        {
            var my = server.Mysql!;
            await my.CreateDatabaseAsync(database, cancellationToken);
            await using (var source = await environment.OpenAsync(scan, cancellationToken))
            {
                await my.RestoreDatabaseAsync(database, source.Content, cancellationToken);
                await source.EnsureIntactAsync(cancellationToken);
            }

            comparison = await CompareWithSqlAsync(environment, scan, () => my.StartDumpAsync(database, cancellationToken), cancellationToken);
            if (comparison.Identical)
            {
                comparison = comparison with { RestoredRows = await my.RowCountsAsync(database, cancellationToken) };
            }
        }

        if (!comparison.Identical)
        {
            return new ArtifactOutcome(
                scan.File, false, $"{scan.File}: database '{database}' restored into a scratch {image} server, but a fresh dump of it differs from the backup: {comparison.Difference}");
        }

        return new ArtifactOutcome(
            scan.File, true, $"{scan.File}: database '{database}' restored into a scratch {image} server; a fresh dump matches the backup ({comparison.Lines} lines compared; {Rows(comparison.RestoredRows)})");
    }

    /// <summary>The backup's archive turned back into SQL by pg_restore, against a plain dump of the restored database.</summary>
    private static async Task<DumpComparison> CompareWithArchiveAsync(
        RestoreEnvironment environment, PostgresTarget server, ArtifactScan scan, string database, CancellationToken cancellationToken)
    {
        await using var script = await server.StartArchiveToSqlAsync(cancellationToken);
        await using var dump = await server.StartPlainDumpAsync(database, cancellationToken);
        await using var source = await environment.OpenAsync(scan, cancellationToken);
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

    /// <summary>The backup's own SQL against a fresh dump of the restored database.</summary>
    private static async Task<DumpComparison> CompareWithSqlAsync(
        RestoreEnvironment environment, ArtifactScan scan, Func<Task<IExecProcess>> startDump, CancellationToken cancellationToken)
    {
        await using var dump = await startDump();
        await using var source = await environment.OpenAsync(scan, cancellationToken);
        using var expected = new StreamReader(source.Content, Encoding.UTF8, leaveOpen: true);
        using var actual = new StreamReader(dump.Stdout, Encoding.UTF8, leaveOpen: true);
        var comparison = await DumpComparer.CompareAsync(expected, actual, cancellationToken);
        await EnsureExitedAsync(dump, dump.Program, cancellationToken);
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

    private static async Task EnsureExitedAsync(IExecProcess process, string what, CancellationToken cancellationToken)
    {
        var exit = await process.WaitForExitAsync(cancellationToken);
        if (exit != 0)
        {
            throw new RestoreFailedException($"{what} failed (exit {exit}): {process.Stderr}");
        }
    }

    private static string Rows(IReadOnlyDictionary<string, long> rows)
    {
        if (rows.Count == 0)
        {
            return "no tables";
        }

        var listed = string.Join(", ", rows.Take(ListedTables).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value}")));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{rows.Count} table(s), {rows.Values.Sum()} row(s): {listed}{(rows.Count > ListedTables ? ", …" : string.Empty)}");
    }

    private static bool IsDrillFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        RestoreFailedException or RestoreRefusedException or ArtifactFailedException or UnsafeEntryException => true,
        DockerApiException or DockerUnavailableException or IOException or InvalidDataException or TimeoutException => true,
        _ => false,
    };

    private async Task RemoveVolumeAsync(string volume)
    {
        using var bound = new CancellationTokenSource(RemoveTimeout);
        try
        {
            await _context.Docker.Volumes.RemoveAsync(volume, bound.Token, force: true);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException)
        {
            _log.ForEvent(LogEvents.ScratchVolumeNotRemoved).Warning("Could not remove scratch volume {Volume}: {Error}. The next start of the agent removes it.", volume, ex.Message);
        }
    }
}
