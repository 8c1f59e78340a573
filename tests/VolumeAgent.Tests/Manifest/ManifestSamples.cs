using VolumeAgent.Manifest;
using VolumeAgent.Storage;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Shared.Archives;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Manifest;

internal static class ManifestSamples
{
    public static readonly DateTimeOffset Started = new(2026, 11, 21, 2, 0, 3, 500, TimeSpan.Zero);

    public static ManifestArtifact Artifact(string? file, string? sha256, long storedBytes, ManifestStatus status = ManifestStatus.Succeeded) => new()
    {
        File = file,
        SourceKind = VolumeKind.Volume,
        SourceName = file ?? "failed-source",
        Format = ArchiveKind.Tar,
        Compression = ManifestCompression.Gzip,
        RawBytes = storedBytes * 3,
        StoredBytes = storedBytes,
        Sha256 = sha256,
        Status = status,
        StartedAt = Started,
        DurationMs = 1234,
    };

    public static BackupManifest Manifest(
        string job,
        RunId runId,
        DateTimeOffset started,
        IReadOnlyList<ManifestArtifact> artifacts,
        ManifestStatus status = ManifestStatus.Succeeded,
        string? error = null) => new()
    {
        FormatVersion = BackupManifest.CurrentFormatVersion,
        Job = job,
        RunId = runId,
        Trigger = ManifestTrigger.Schedule,
        Status = status,
        StartedAt = started,
        FinishedAt = started.AddMinutes(2),
        AgentVersion = "0.1.0",
        Error = error,
        Artifacts = artifacts,
    };

    /// <summary>Every field set, optional ones included.</summary>
    public static BackupManifest Full() => new()
    {
        FormatVersion = 1,
        Job = "nightly",
        RunId = RunId.Parse("0a1b2c3d"),
        Trigger = ManifestTrigger.Manual,
        Tag = "gallery-42",
        Status = ManifestStatus.Failed,
        StartedAt = Started,
        FinishedAt = Started.AddSeconds(90),
        AgentVersion = "0.1.0",
        Host = "docker-host-1",
        Node = "worker-1",
        Error = "1 of 2 sources failed",
        Artifacts =
        [
            new ManifestArtifact
            {
                File = "postgres-db-app.dump",
                SourceKind = PostgresKind.Postgres,
                SourceName = "db",
                Database = "app",
                Container = "stack-db-1",
                Engine = "default",
                Image = "postgres:15",
                ToolVersion = "pg_dump (PostgreSQL) 15.8",
                Format = PostgresKind.PgCustom,
                Compression = ManifestCompression.None,
                RawBytes = 1000,
                StoredBytes = 1000,
                Sha256 = new string('a', 64),
                Encryption = ManifestEncryption.Age,
                PlaintextSha256 = new string('c', 64),
                Status = ManifestStatus.Succeeded,
                StartedAt = Started.AddSeconds(1),
                DurationMs = 250,
                TreeDigest = "sha256:" + new string('b', 64),
                Entries = 42,
            },
            new ManifestArtifact
            {
                File = null,
                SourceKind = VolumeKind.Volume,
                SourceName = "app_uploads",
                Format = ArchiveKind.Tar,
                Compression = ManifestCompression.Zstd,
                RawBytes = 0,
                StoredBytes = 0,
                Sha256 = null,
                Status = ManifestStatus.Failed,
                StartedAt = Started.AddSeconds(2),
                DurationMs = 10,
                Error = "helper container exited with code 2",
            },
            new ManifestArtifact
            {
                File = null,
                SourceKind = VolumeKind.Volume,
                SourceName = "app_photos",
                Format = ArchiveKind.FileTree,
                Compression = ManifestCompression.None,
                RawBytes = 5000,
                StoredBytes = 4096,
                Sha256 = null,
                Status = ManifestStatus.Succeeded,
                StartedAt = Started.AddSeconds(3),
                DurationMs = 900,
                Entries = 42,
                Snapshot = new ManifestSnapshot
                {
                    Storage = "repository",
                    Id = new string('d', 64),
                    Parent = new string('e', 64),
                    FilesNew = 1,
                    FilesChanged = 2,
                    FilesUnmodified = 39,
                    DataAdded = 4096,
                },
            },
        ],
        Verification = new ManifestVerification
        {
            VerifiedAt = Started.AddDays(1),
            Kind = ManifestVerificationKind.Drill,
            Status = ManifestStatus.Succeeded,
            Details = "restored into a scratch container; 42 rows",
        },
        Storages =
        [
            new ManifestStorage { Name = "local", Status = ManifestStatus.Succeeded },
            new ManifestStorage { Name = "offsite", Status = ManifestStatus.Succeeded, Error = "connection reset by peer", SyncedAt = Started.AddHours(8) },
        ],
    };
}
