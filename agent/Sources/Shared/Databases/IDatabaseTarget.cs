using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>A running database server to restore dumps into (through <see cref="DatabaseRestoreStep"/>), reached by exec.</summary>
internal interface IDatabaseTarget
{
    /// <summary>The container's name.</summary>
    string Name { get; }

    /// <summary>The server for messages: <c>postgres container db</c>.</summary>
    string Server { get; }

    /// <summary>What --force does to a database that holds objects, for the confirmation.</summary>
    string OverwriteNote { get; }

    Task<DatabaseState> DatabaseStateAsync(string database, CancellationToken cancellationToken);

    Task CreateDatabaseAsync(string database, CancellationToken cancellationToken);

    Task DropDatabaseAsync(string database, CancellationToken cancellationToken);

    /// <summary>Feeds <paramref name="dump"/> into an existing database; <paramref name="clean"/> replaces the dump's objects.</summary>
    Task RestoreDatabaseAsync(string database, ManifestArtifact artifact, Stream dump, bool clean, CancellationToken cancellationToken);

    /// <summary>Called after a database this restore created was filled; returns what to add to the step's line ("; owner app").</summary>
    Task<string> AfterCreatedAsync(RestoreEnvironment environment, ArtifactScan scan, string database, CancellationToken cancellationToken) =>
        Task.FromResult(string.Empty);
}
