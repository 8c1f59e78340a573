using System.Text;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using System.Text.Json;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Pipeline.Tar;
using VolumeAgent.Tests.Storage;
using VolumeAgent.Sources.Mysql;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Tests.Restore;

public sealed class ArtifactScannerTests : IDisposable
{
    private static readonly byte[] GoodTar = new RawTarBuilder()
        .Entry('5', "./")
        .Entry('0', "./a.txt", Encoding.UTF8.GetBytes("hello"))
        .Entry('2', "./link", link: "/etc/passwd")
        .Finish();

    private readonly TempDirectory _directory = new();

    private SetStore Store => StoreTestSupport.Local(_directory.Path);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ScanAsync_SoundArchive_HasNoProblemsAndTheManifestsDigest()
    {
        var set = await new TestSet().Tar("volume-data", GoodTar).WriteAsync(Store);

        var scan = await ScanAsync(set, keepEntries: true);

        scan.Problems.Should().BeEmpty();
        scan.TreeDigest.Should().Be(set.Set.Manifest!.Artifacts[0].TreeDigest);
        scan.EntryCount.Should().Be(3);
        scan.Entries.Should().HaveCount(3);
        scan.RawBytes.Should().Be(GoodTar.Length);
    }

    [Fact]
    public async Task ScanAsync_OneFlippedByte_FailsOnTheChecksumFirst_NamingTheFile()
    {
        var set = await new TestSet().Tar("volume-data", GoodTar).WriteAsync(Store);
        var path = _directory.Combine("nightly", set.Set.DirectoryName, "volume-data.tar.gz");
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var scan = await ScanAsync(set);

        scan.Sound.Should().BeFalse();
        scan.Problems[0].Should().StartWith("volume-data.tar.gz: SHA-256 is").And.Contain("changed or damaged after the backup");
    }

    [Fact]
    public async Task ScanAsync_MissingFile_SaysSo()
    {
        var set = await new TestSet().Tar("volume-data", GoodTar).WriteAsync(Store);
        File.Delete(_directory.Combine("nightly", set.Set.DirectoryName, "volume-data.tar.gz"));

        var scan = await ScanAsync(set);

        scan.Problems.Should().ContainSingle().Which.Should().Be("volume-data.tar.gz is missing from the set.");
    }

    [Fact]
    public async Task ScanAsync_ArchiveWithEscapingEntries_IsRefusedByName()
    {
        var evil = new RawTarBuilder()
            .Entry('5', "./")
            .Entry('0', "../escape", "x"u8.ToArray())
            .Entry('0', "/abs", "y"u8.ToArray())
            .Finish();
        var set = await new TestSet().Tar("volume-data", evil).WriteAsync(Store);

        var scan = await ScanAsync(set);

        scan.Problems.Should().ContainSingle().Which.Should().Contain("'../escape'").And.Contain("'..' component");
    }

    [Fact]
    public async Task ScanAsync_ManifestTreeDigestOfAnotherTree_IsAProblem()
    {
        var set = await new TestSet().Tar("volume-data", GoodTar).Edit(a => a with { TreeDigest = "sha256:" + new string('0', 64) }).WriteAsync(Store);

        var scan = await ScanAsync(set);

        scan.Problems.Should().ContainSingle().Which.Should().Contain("does not hold the tree that was backed up");
    }

    [Fact]
    public async Task ScanAsync_TruncatedArchiveWithMatchingChecksum_IsIncomplete()
    {
        var cut = GoodTar[..(GoodTar.Length - 1024 - 512)];
        var set = await new TestSet().Tar("volume-data", GoodTar).WriteAsync(Store);
        await RewriteAsync(set, "volume-data.tar.gz", TestSet.Gzip(cut), cut.Length);

        var scan = await ScanAsync(await ReloadAsync(set));

        scan.Problems.Should().ContainSingle().Which.Should().Contain("truncated");
    }

    [Fact]
    public async Task ScanAsync_GzipFileCutShortWithMatchingChecksum_IsAProblem()
    {
        var set = await new TestSet().Tar("volume-data", GoodTar).WriteAsync(Store);
        var stored = TestSet.Gzip(GoodTar);
        await RewriteAsync(set, "volume-data.tar.gz", stored[..(stored.Length / 2)], GoodTar.Length);

        var scan = await ScanAsync(await ReloadAsync(set));

        scan.Problems.Should().ContainSingle().Which.Should().StartWith("volume-data.tar.gz: ");
    }

    [Theory]
    [InlineData("Mysql", "Sql", "-- MariaDB dump\nINSERT INTO t VALUES (1);\n", "-- Dump completed")]
    [InlineData("Postgres", "PgPlain", "CREATE TABLE t (a int);\n", "-- PostgreSQL database dump complete")]
    [InlineData("Globals", "Sql", "CREATE ROLE app;\n", "-- PostgreSQL database cluster dump complete")]
    [InlineData("Postgres", "PgCustom", "not an archive", "does not start with PGDMP")]
    public async Task ScanAsync_DumpWithoutItsTrailerOrHeader_IsCutOffOrNotADump(string kind, string format, string content, string expected)
    {
        var set = await new TestSet()
            .Dump("db.sql.gz", Encoding.UTF8.GetBytes(content), new ManifestSourceKind(JsonNamingPolicy.SnakeCaseLower.ConvertName(kind)), new ManifestArtifactFormat(JsonNamingPolicy.SnakeCaseLower.ConvertName(format)), "app")
            .WriteAsync(Store);

        var scan = await ScanAsync(set);

        scan.Problems.Should().ContainSingle().Which.Should().Contain(expected);
    }

    [Fact]
    public async Task ScanAsync_WholeMysqlDump_IsSound()
    {
        var dump = "-- MariaDB dump\nINSERT INTO t VALUES (1);\n-- Dump completed on 2026-11-21  2:00:01\n"u8.ToArray();
        var set = await new TestSet().Dump("mysql-db-app.sql.gz", dump, MysqlKind.Mysql, SqlDumps.Sql, "app").WriteAsync(Store);

        (await ScanAsync(set)).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task ScanAsync_SizesUnlikeTheManifest_AreProblems()
    {
        var written = await new TestSet().Tar("volume-data", GoodTar).WriteAsync(Store);
        var manifest = written.Set.Manifest!;
        var stored = manifest.Artifacts[0].StoredBytes;
        await Store.UpdateManifestAsync(written.Set, manifest with { Artifacts = [manifest.Artifacts[0] with { StoredBytes = stored + 1, RawBytes = 5 }] }, CancellationToken.None);

        var problems = (await ScanAsync(await ReloadAsync(written))).Problems;

        problems.Should().BeEquivalentTo(
            $"volume-data.tar.gz is {stored} bytes, but the manifest says {stored + 1}.",
            $"volume-data.tar.gz decompresses to {GoodTar.Length} bytes, but the manifest says 5.");
    }

    [Fact]
    public async Task ScanAsync_ChecksumsFileDisagreesWithAGoodFile_BlamesTheChecksumsFile()
    {
        var set = await new TestSet().Tar("volume-data", GoodTar).WriteAsync(Store);
        var sums = ChecksumsFile.Parse($"{new string('1', 64)}  volume-data.tar.gz\n");

        var scan = await ArtifactScanner.ScanAsync(set.Store, set.Set, set.Set.Manifest!.Artifacts[0], sums, null, false, CancellationToken.None);

        scan.Problems.Should().ContainSingle().Which.Should().Contain("SHA256SUMS was changed");
    }

    private static async Task<ArtifactScan> ScanAsync(StoredSet set, bool keepEntries = false)
    {
        var sums = await ChecksumsFile.ReadAsync(set.Store, set.Set, CancellationToken.None);
        return await ArtifactScanner.ScanAsync(set.Store, set.Set, set.Set.Manifest!.Artifacts[0], sums!, null, keepEntries, CancellationToken.None);
    }

    /// <summary>Replaces a stored file and makes SHA256SUMS and the manifest agree with it, as a careful forger would.</summary>
    private async Task RewriteAsync(StoredSet set, string file, byte[] stored, long raw)
    {
        var directory = _directory.Combine("nightly", set.Set.DirectoryName);
        await File.WriteAllBytesAsync(Path.Combine(directory, file), stored);
        var sha = StoreTestSupport.Sha256Hex(stored);
        await File.WriteAllTextAsync(Path.Combine(directory, BackupSetLayout.ChecksumsFileName), $"{sha}  {file}\n");
        var manifest = set.Set.Manifest!;
        await set.Store.UpdateManifestAsync(
            set.Set,
            manifest with { Artifacts = [manifest.Artifacts[0] with { Sha256 = sha, StoredBytes = stored.Length, RawBytes = raw }] },
            CancellationToken.None);
    }

    private async Task<StoredSet> ReloadAsync(StoredSet set) =>
        set with { Set = (await StoreTestSupport.ListAsync(Store, set.Set.Job)).Single(s => s.RunId == set.Set.RunId) };
}
