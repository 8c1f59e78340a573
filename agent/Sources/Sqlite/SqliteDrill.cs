using System.Globalization;
using System.Text;
using VolumeAgent.Docker;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Sources.Shared.Helpers;
using VolumeAgent.Restore.Drill;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>
/// Each table script fed to sqlite3 into a scratch database inside a throwaway helper (no mounts, no network), checked
/// with <c>PRAGMA integrity_check</c>, dumped again and compared with the backup line by line. Copies of whole
/// files are left to verify.
/// </summary>
internal sealed class SqliteDrill : ISourceDrill
{
    private const string Database = "/tmp/volume-agent-drill.db";

    public async Task<IReadOnlyDictionary<ArtifactScan, ArtifactOutcome>> RunAsync(DrillContext drill, IReadOnlyList<ArtifactScan> scans, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(drill);
        ArgumentNullException.ThrowIfNull(scans);
        var outcomes = new Dictionary<ArtifactScan, ArtifactOutcome>();
        foreach (var scan in scans.Where(s => s.Artifact.Format == SqlDumps.Sql))
        {
            try
            {
                outcomes[scan] = await DrillAsync(drill, scan, cancellationToken);
            }
            catch (Exception ex) when (DrillContext.IsDrillFailure(ex, cancellationToken))
            {
                outcomes[scan] = new ArtifactOutcome(scan.File, false, $"{scan.File}: restoring its tables into a scratch SQLite database failed: {ex.Message}");
            }
        }

        return outcomes;
    }

    private static async Task<ArtifactOutcome> DrillAsync(DrillContext drill, ArtifactScan scan, CancellationToken cancellationToken)
    {
        var context = drill.Context;
        var docker = context.Docker;
        var image = scan.Artifact.Image ?? context.HelperImage;
        await using var helper = await HelperContainer.StartAsync(
            docker,
            new HelperSpec
            {
                Image = image,
                // Something to exec sqlite3 in; removed when the drill of this artifact ends.
                Command = ["sleep", "86400"],
                Mounts = [],
                Labels = context.HelperLabels(DrillContext.Role),
                Capabilities = [],
                Purpose = $"drill {scan.File}",
            },
            context.Log,
            cancellationToken);

        await using (var source = await drill.Environment.OpenAsync(scan, cancellationToken))
        {
            var load = await ExecRunner.FeedAsync(
                docker, helper.Id, ["sqlite3", "-bail", Database], null, (stdin, ct) => StdinFeeder.FeedAsync(source.Content, stdin, ct), context.Log, cancellationToken);
            if (!load.Succeeded)
            {
                throw new RestoreFailedException(
                    $"sqlite3 failed loading the script into a scratch database (exit {load.ExitCode}{(load.InputDelivered ? string.Empty : ", before reading all of it")}): {load.Stderr}");
            }

            await source.EnsureIntactAsync(cancellationToken);
        }

        var integrity = await QueryAsync(docker, helper.Id, "PRAGMA integrity_check;", cancellationToken);
        if (integrity.Trim() != "ok")
        {
            return new ArtifactOutcome(scan.File, false, $"{scan.File}: restored into a scratch SQLite database, which fails its integrity_check: {integrity.Trim()}");
        }

        var objects = (await QueryAsync(docker, helper.Id, SqliteTables.AllObjectsQuery, cancellationToken)).Trim();
        DumpComparison comparison;
        await using (var dump = await docker.Exec.RunAsync(helper.Id, ["sqlite3", Database, $".dump {objects}"], cancellationToken, new ExecStartOptions { StopOnDispose = true }))
        await using (var source = await drill.Environment.OpenAsync(scan, cancellationToken))
        {
            using var expected = new StreamReader(source.Content, Encoding.UTF8, leaveOpen: true);
            using var actual = new StreamReader(dump.Stdout, Encoding.UTF8, leaveOpen: true);
            comparison = await DumpComparer.CompareAsync(expected, actual, cancellationToken);
            var exit = await dump.WaitForExitAsync(cancellationToken);
            if (exit != 0)
            {
                throw new RestoreFailedException($"sqlite3 .dump of the scratch database failed (exit {exit}): {dump.Stderr}");
            }

            await source.EnsureIntactAsync(cancellationToken);
        }

        if (!comparison.Identical)
        {
            return new ArtifactOutcome(
                scan.File, false, $"{scan.File}: restored into a scratch SQLite database, but a fresh .dump of it differs from the backup: {comparison.Difference}");
        }

        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in (await QueryAsync(docker, helper.Id, SqliteTables.TablesQuery, cancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            rows[table] = long.Parse((await QueryAsync(docker, helper.Id, SqliteTables.CountQuery(table), cancellationToken)).Trim(), CultureInfo.InvariantCulture);
        }

        return new ArtifactOutcome(
            scan.File, true, $"{scan.File}: restored into a scratch SQLite database; a fresh .dump matches the backup ({comparison.Lines} lines compared; {RowCounts.Describe(rows)})");
    }

    private static async Task<string> QueryAsync(IDockerEngine docker, string helper, string sql, CancellationToken cancellationToken)
    {
        var result = await ExecCapture.RunAsync(docker, helper, ["sqlite3", Database, sql], null, cancellationToken);
        return result.Succeeded ? result.Stdout : throw new RestoreFailedException($"sqlite3 in the scratch database failed (exit {result.ExitCode}): {result.Diagnostic}");
    }
}
