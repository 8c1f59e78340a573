using System.Text;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Restore;
using VolumeAgent.Restore.Drill;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>
/// What the database kinds' drills share: the dumps of one server restored into one scratch server started from the
/// backed-up container's image, each dumped again and compared with the backup's own SQL.
/// </summary>
/// <typeparam name="TServer">The kind's connection to its scratch server.</typeparam>
internal abstract class DatabaseDrill<TServer> : ISourceDrill
{
    public async Task<IReadOnlyDictionary<ArtifactScan, ArtifactOutcome>> RunAsync(DrillContext drill, IReadOnlyList<ArtifactScan> scans, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(drill);
        ArgumentNullException.ThrowIfNull(scans);
        var outcomes = new Dictionary<ArtifactScan, ArtifactOutcome>();
        foreach (var group in scans.GroupBy(s => (s.Artifact.SourceName, s.Artifact.Container, s.Artifact.Image)))
        {
            foreach (var (scan, outcome) in await DrillServerAsync(drill, group.ToList(), cancellationToken))
            {
                outcomes[scan] = outcome;
            }
        }

        return outcomes;
    }

    /// <summary>Starts a scratch server from <paramref name="image"/> (see <see cref="ScratchDatabase"/>) and connects to it.</summary>
    protected abstract Task<(ScratchDatabase Server, TServer Connection)> StartAsync(SourceContext context, string image, ILogger log, CancellationToken cancellationToken);

    /// <summary>Restores one artifact into the scratch server and compares; failures may be thrown (they become the artifact's outcome).</summary>
    protected abstract Task<ArtifactOutcome> DrillAsync(DrillContext drill, TServer server, ArtifactScan scan, string image, CancellationToken cancellationToken);

    /// <summary>The order of the artifacts of one server (roles before the databases whose objects belong to them).</summary>
    protected virtual int OrderOf(ArtifactScan scan) => 0;

    /// <summary>What an artifact restores, for a failure's message.</summary>
    protected virtual string WhatOf(ArtifactScan scan) => $"database '{scan.Artifact.Database}'";

    /// <summary>The outcome of a database restored and compared.</summary>
    protected static ArtifactOutcome Outcome(ArtifactScan scan, string database, string image, DumpComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(comparison);
        if (!comparison.Identical)
        {
            return new ArtifactOutcome(
                scan.File, false, $"{scan.File}: database '{database}' restored into a scratch {image} server, but a fresh dump of it differs from the backup: {comparison.Difference}");
        }

        return new ArtifactOutcome(
            scan.File, true, $"{scan.File}: database '{database}' restored into a scratch {image} server; a fresh dump matches the backup ({comparison.Lines} lines compared; {RowCounts.Describe(comparison.RestoredRows)})");
    }

    /// <summary>The backup's own SQL against a fresh dump of the restored database.</summary>
    protected static async Task<DumpComparison> CompareWithSqlAsync(
        DrillContext drill, ArtifactScan scan, Func<Task<IExecProcess>> startDump, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(drill);
        ArgumentNullException.ThrowIfNull(startDump);
        await using var dump = await startDump();
        await using var source = await drill.Environment.OpenAsync(scan, cancellationToken);
        using var expected = new StreamReader(source.Content, Encoding.UTF8, leaveOpen: true);
        using var actual = new StreamReader(dump.Stdout, Encoding.UTF8, leaveOpen: true);
        var comparison = await DumpComparer.CompareAsync(expected, actual, cancellationToken);
        await EnsureExitedAsync(dump, dump.Program, cancellationToken);
        await source.EnsureIntactAsync(cancellationToken);
        return comparison;
    }

    protected static async Task EnsureExitedAsync(IExecProcess process, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        var exit = await process.WaitForExitAsync(cancellationToken);
        if (exit != 0)
        {
            throw new RestoreFailedException($"{what} failed (exit {exit}): {process.Stderr}");
        }
    }

    private async Task<List<(ArtifactScan, ArtifactOutcome)>> DrillServerAsync(DrillContext drill, List<ArtifactScan> scans, CancellationToken cancellationToken)
    {
        var results = new List<(ArtifactScan, ArtifactOutcome)>();
        var image = scans.Select(s => s.Artifact.Image).FirstOrDefault(i => i is not null);
        if (image is null)
        {
            results.AddRange(scans.Select(s => (s, new ArtifactOutcome(s.File, false, $"{s.File}: the manifest names no image for its server, so no scratch server can be started."))));
            return results;
        }

        ScratchDatabase server;
        TServer connection;
        try
        {
            (server, connection) = await StartAsync(drill.Context, image, drill.Log, cancellationToken);
        }
        catch (Exception ex) when (DrillContext.IsDrillFailure(ex, cancellationToken))
        {
            results.AddRange(scans.Select(s => (s, new ArtifactOutcome(s.File, false, $"{s.File}: no scratch server could be started from {image}: {ex.Message}"))));
            return results;
        }

        await using (server)
        {
            foreach (var scan in scans.OrderBy(OrderOf))
            {
                ArtifactOutcome outcome;
                try
                {
                    outcome = await DrillAsync(drill, connection, scan, image, cancellationToken);
                }
                catch (Exception ex) when (DrillContext.IsDrillFailure(ex, cancellationToken))
                {
                    outcome = new ArtifactOutcome(scan.File, false, $"{scan.File}: restoring {WhatOf(scan)} into a scratch {image} server failed: {ex.Message}");
                }

                results.Add((scan, outcome));
            }
        }

        return results;
    }
}
