using System.Diagnostics;
using VolumeAgent.Restore;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>A table script into an SQLite database file, created when missing; tables are added, never replaced.</summary>
internal sealed class SqliteRestoreStep : IRestoreStep
{
    public required ArtifactScan Scan { get; init; }

    public required SqliteTarget Target { get; init; }

    public required bool VolumeExists { get; init; }

    /// <summary>The tables the file holds; -1 when it does not exist.</summary>
    public required int Tables { get; init; }

    /// <summary>Never: the script only adds tables, and fails without a change when one exists.</summary>
    public bool Overwrites => false;

    public Policy.SourceOptions? SafetyCopy => null;

    public string Summary
    {
        get
        {
            var state = !VolumeExists
                ? $"volume {Target.Volume} does not exist yet; it and the file will be created"
                : Tables < 0 ? "does not exist yet and will be created"
                : Tables == 0 ? "holds no table"
                : $"holds {Tables} table(s); the backup's tables are ADDED (one it has already makes the restore fail and change nothing)";
            return $"{Target.Name} ← {Scan.File}: {state}";
        }
    }

    public async Task<string> RunAsync(RestoreEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var clock = Stopwatch.StartNew();
        await using (var source = await environment.OpenAsync(Scan, cancellationToken))
        {
            await Target.RestoreAsync(source.Content, VolumeExists, cancellationToken);
            await source.EnsureIntactAsync(cancellationToken);
        }

        return $"{Target.Name}: tables restored from {Scan.File} in {clock.Elapsed.TotalSeconds:0.0} s";
    }
}
