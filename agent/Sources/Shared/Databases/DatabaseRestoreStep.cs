using System.Diagnostics;
using VolumeAgent.Docker;
using VolumeAgent.Restore;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>One database dump into a database server's container, into a database created when missing.</summary>
internal sealed class DatabaseRestoreStep : IRestoreStep
{
    public required ArtifactScan Scan { get; init; }

    public required IDatabaseTarget Target { get; init; }

    public required string Database { get; init; }

    public required DatabaseState State { get; init; }

    public bool Overwrites => State.Exists && !State.IsEmpty;

    public required Policy.SourceOptions? SafetyCopy { get; init; }

    public string Summary
    {
        get
        {
            var how = !Overwrites ? State.Describe(Database) : $"{State.Describe(Database)}: {Target.OverwriteNote}";
            return $"{Target.Server} ← {Scan.File}: {how}";
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
                await Target.CreateDatabaseAsync(Database, cancellationToken);
                created = true;
            }

            await using var source = await environment.OpenAsync(Scan, cancellationToken);
            await Target.RestoreDatabaseAsync(Database, Scan.Artifact, source.Content, clean: Overwrites, cancellationToken);
            await source.EnsureIntactAsync(cancellationToken);
        }
        catch when (created)
        {
            await DropQuietlyAsync(environment);
            throw;
        }

        var after = created ? await Target.AfterCreatedAsync(environment, Scan, Database, cancellationToken) : string.Empty;
        return $"{Target.Server}: database '{Database}' restored from {Scan.File} in {clock.Elapsed.TotalSeconds:0.0} s{after}";
    }

    /// <summary>A database this step created and could not fill is removed: no half-restored database is left to be mistaken for a good one.</summary>
    private async Task DropQuietlyAsync(RestoreEnvironment environment)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await Target.DropDatabaseAsync(Database, bound.Token);
        }
        catch (Exception ex) when (ex is RestoreFailedException or DockerApiException or DockerUnavailableException or OperationCanceledException or IOException)
        {
            environment.Log.ForEvent(LogEvents.RestoredDatabaseNotDropped).Warning("Could not drop database {Database}, created for the failed restore: {Error}", Database, ex.Message);
        }
    }
}
