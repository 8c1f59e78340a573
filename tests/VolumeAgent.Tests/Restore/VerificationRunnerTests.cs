using System.Text;
using Microsoft.Extensions.Time.Testing;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Manifest;
using VolumeAgent.Tests.Pipeline.Tar;
using VolumeAgent.Tests.Storage;
using VolumeAgent.Sources.Mysql;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Tests.Restore;

/// <summary>The daemon's entry point, without an engine: checks of stored files only.</summary>
public sealed class VerificationRunnerTests : IDisposable
{
    private static readonly byte[] Archive = new RawTarBuilder()
        .Entry('5', "./")
        .Entry('0', "./data.txt", Encoding.UTF8.GetBytes("some data"))
        .Finish();

    private static readonly byte[] MysqlDump = "-- MariaDB dump\nINSERT INTO t VALUES (1);\n-- Dump completed on 2026-11-21  2:00:01\n"u8.ToArray();

    private readonly Storage.TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero));

    private SetStore Store => StoreTestSupport.Local(_directory.Path);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task RunAsync_SoundSet_SucceedsAndRecordsTheResultInTheManifest()
    {
        var set = await SoundSet().WriteAsync(Store);

        var result = await Runner().RunAsync(set, drill: false, CancellationToken.None);

        result.Succeeded.Should().BeTrue(result.Details);
        result.Artifacts.Should().HaveCount(2).And.OnlyContain(a => a.Succeeded);
        result.Details.Should().StartWith("2 artifact(s) match SHA256SUMS and the manifest");
        result.RecordError.Should().BeNull();
        var recorded = (await Reload(set)).Manifest!.Verification;
        recorded.Should().BeEquivalentTo(new ManifestVerification
        {
            VerifiedAt = _time.GetUtcNow(),
            Kind = ManifestVerificationKind.Verify,
            Status = ManifestStatus.Succeeded,
            Details = result.Details,
        });
    }

    [Fact]
    public async Task RunAsync_DamagedFile_FailsNamingItAndRecordsTheFailure()
    {
        var set = await SoundSet().WriteAsync(Store);
        var path = _directory.Combine(set.Set.Job, set.Set.DirectoryName, "mysql-db-app.sql.gz");
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^5] ^= 0x40;
        await File.WriteAllBytesAsync(path, bytes);

        var result = await Runner().RunAsync(set, drill: false, CancellationToken.None);

        result.Succeeded.Should().BeFalse();
        result.Artifacts.Should().ContainSingle(a => !a.Succeeded).Which.Detail.Should().StartWith("mysql-db-app.sql.gz: SHA-256 is");
        result.Details.Should().StartWith("1 of 2 artifact(s) failed; mysql-db-app.sql.gz: SHA-256 is");
        (await Reload(set)).Manifest!.Verification!.Status.Should().Be(ManifestStatus.Failed);
    }

    [Fact]
    public async Task RunAsync_ChecksumsFileMissingOrListingStrangers_IsAFailureOfTheSet()
    {
        var set = await SoundSet().WriteAsync(Store);
        var sums = _directory.Combine(set.Set.Job, set.Set.DirectoryName, BackupSetLayout.ChecksumsFileName);
        await File.AppendAllTextAsync(sums, $"{new string('0', 64)}  not-in-the-manifest.tar.gz\n");

        var listed = await Runner().RunAsync(set, drill: false, CancellationToken.None, record: false);
        File.Delete(sums);
        var missing = await Runner().RunAsync(set, drill: false, CancellationToken.None, record: false);

        listed.Problems.Should().ContainSingle().Which.Should().Contain("lists not-in-the-manifest.tar.gz, which the manifest does not");
        missing.Problems.Should().Contain("The set has no SHA256SUMS.");
        missing.Artifacts.Should().OnlyContain(a => !a.Succeeded && a.Detail.Contains("not listed in SHA256SUMS", StringComparison.Ordinal));
        (await Reload(set)).Manifest!.Verification.Should().BeNull("record: false leaves the manifest alone");
    }

    [Fact]
    public async Task RunAsync_DrillWithoutAnEngine_FailsSayingItNeedsOne()
    {
        var set = await SoundSet().WriteAsync(Store);

        var result = await Runner().RunAsync(set, drill: true, CancellationToken.None);

        result.Succeeded.Should().BeFalse();
        result.Kind.Should().Be(ManifestVerificationKind.Drill);
        result.Problems.Should().ContainSingle().Which.Should().Contain("needs the Docker engine");
    }

    [Fact]
    public async Task RunAsync_ArtifactThatFailedAtBackup_IsNotCheckedAndDoesNotFailTheCheck()
    {
        var set = await SoundSet().WriteAsync(Store);
        var manifest = set.Set.Manifest!;
        var failed = ManifestSamples.Artifact(null, null, 0, ManifestStatus.Failed) with { Error = "tar exited with code 2" };
        await Store.UpdateManifestAsync(set.Set, manifest with { Artifacts = [.. manifest.Artifacts, failed] }, CancellationToken.None);

        var result = await Runner().RunAsync(set with { Set = await Reload(set) }, drill: false, CancellationToken.None);

        result.Succeeded.Should().BeTrue(result.Details);
        result.Artifacts.Should().Contain(a => a.Skipped && a.Detail.Contains("failed when the backup ran (tar exited with code 2)", StringComparison.Ordinal));
        result.Details.Should().StartWith("2 artifact(s)");
    }

    [Fact]
    public async Task RunAsync_CustomDumpWithoutAnEngine_IsCheckedByItsHeaderAndSaysSo()
    {
        var set = await new TestSet()
            .Dump("postgres-db-app.dump.gz", "PGDMP\u0001\u000e\u0000rest of an archive"u8.ToArray(), PostgresKind.Postgres, PostgresKind.PgCustom, "app")
            .WriteAsync(Store);

        var result = await Runner().RunAsync(set, drill: false, CancellationToken.None, record: false);

        result.Succeeded.Should().BeTrue(result.Details);
        result.Artifacts.Single().Detail.Should().Contain("pg_restore --list not run (no Docker engine), header checked only");
    }

    private static TestSet SoundSet() => new TestSet()
        .Tar("volume-data", Archive)
        .Dump("mysql-db-app.sql.gz", MysqlDump, MysqlKind.Mysql, SqlDumps.Sql, "app");

    private VerificationRunner Runner() => new(null, "helper:latest", string.Empty, _time, Serilog.Core.Logger.None);

    private async Task<BackupSetInfo> Reload(StoredSet set) =>
        (await StoreTestSupport.ListAsync(Store, set.Set.Job)).Single(s => s.RunId == set.Set.RunId);
}
