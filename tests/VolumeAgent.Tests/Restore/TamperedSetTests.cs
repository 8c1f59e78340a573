using System.Text;
using Microsoft.Extensions.Time.Testing;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Restore.Verification;
using VolumeAgent.Sources.Mysql;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Pipeline.Tar;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Restore;

/// <summary>
/// A sound set on disk, then one of many changes to its manifest, SHA256SUMS or artifacts (by mistake, bit rot or a
/// forger without the whole picture): verification, the check restore runs before it writes anything, must fail and
/// say what is wrong. The cases a careful forger wins (every file rewritten consistently) are out of reach of any
/// checksum and need encryption (age) or a second copy.
/// </summary>
public sealed class TamperedSetTests : IDisposable
{
    private const string Tar = "volume-data.tar.gz";
    private const string Dump = "mysql-db-app.sql.gz";

    private static readonly byte[] Archive = new RawTarBuilder()
        .Entry('5', "./")
        .Entry('0', "./data.txt", Encoding.UTF8.GetBytes("some data"))
        .Finish();

    private static readonly byte[] MysqlDump = "-- MariaDB dump\nINSERT INTO t VALUES (1);\n-- Dump completed on 2026-11-21  2:00:01\n"u8.ToArray();

    /// <summary>Each change, applied to the set's directory, and what the verification's details must contain.</summary>
    private static readonly Dictionary<string, (Action<string> Tamper, string Expected)> Cases = new()
    {
        ["sums: an artifact's hash changed"] = (d => EditSums(d, Tar, _ => new string('1', 64)), "SHA256SUMS was changed"),
        ["sums: an artifact's line removed"] = (d => EditLines(d, BackupSetLayout.ChecksumsFileName, l => !l.EndsWith(Tar, StringComparison.Ordinal)), "not listed in SHA256SUMS"),
        ["sums: a stranger listed"] = (d => File.AppendAllText(Path.Combine(d, BackupSetLayout.ChecksumsFileName), $"{new string('0', 64)}  stranger.tar.gz\n"), "lists stranger.tar.gz, which the manifest does not"),
        ["sums: a line climbing out of the set"] = (d => File.AppendAllText(Path.Combine(d, BackupSetLayout.ChecksumsFileName), $"{new string('0', 64)}  ../../etc/passwd\n"), "../../etc/passwd"),
        ["sums: an absolute path"] = (d => File.AppendAllText(Path.Combine(d, BackupSetLayout.ChecksumsFileName), $"{new string('0', 64)}  /etc/passwd\n"), "/etc/passwd"),
        ["sums: a line that is not sha256sum's"] = (d => File.AppendAllText(Path.Combine(d, BackupSetLayout.ChecksumsFileName), "not a checksum line\n"), "SHA256SUMS"),
        ["sums: a hash of the wrong length"] = (d => EditSums(d, Dump, h => h[..40]), "SHA256SUMS"),
        ["sums: emptied"] = (d => File.WriteAllText(Path.Combine(d, BackupSetLayout.ChecksumsFileName), string.Empty), "not listed in SHA256SUMS"),
        ["sums: deleted"] = (d => File.Delete(Path.Combine(d, BackupSetLayout.ChecksumsFileName)), "The set has no SHA256SUMS."),
        ["sums: an artifact listed twice, differently"] = (d => File.AppendAllText(Path.Combine(d, BackupSetLayout.ChecksumsFileName), $"{new string('2', 64)}  {Tar}\n"), Tar),
        ["manifest: an artifact's hash changed"] = (d => EditManifest(d, m => m with { Artifacts = [m.Artifacts[0] with { Sha256 = new string('3', 64) }, .. m.Artifacts.Skip(1)] }), Tar),
        ["manifest: an artifact's stored size changed"] = (d => EditManifest(d, m => m with { Artifacts = [m.Artifacts[0] with { StoredBytes = m.Artifacts[0].StoredBytes + 1 }, .. m.Artifacts.Skip(1)] }), "but the manifest says"),
        ["manifest: an artifact's raw size changed"] = (d => EditManifest(d, m => m with { Artifacts = [m.Artifacts[0] with { RawBytes = 7 }, .. m.Artifacts.Skip(1)] }), "but the manifest says 7"),
        ["manifest: an artifact left out"] = (d => EditManifest(d, m => m with { Artifacts = [.. m.Artifacts.Skip(1)] }), $"lists {Tar}, which the manifest does not"),
        ["manifest: the tree digest of another tree"] = (d => EditManifest(d, m => m with { Artifacts = [m.Artifacts[0] with { TreeDigest = "sha256:" + new string('4', 64) }, .. m.Artifacts.Skip(1)] }), Tar),
        ["manifest: an artifact renamed to climb out"] = (d => EditManifest(d, m => m with { Artifacts = [m.Artifacts[0] with { File = "../" + Tar }, .. m.Artifacts.Skip(1)] }), Tar),
        ["artifact: one byte flipped"] = (d => FlipByte(Path.Combine(d, Dump)), $"{Dump}: SHA-256 is"),
        ["artifact: cut short"] = (d => Truncate(Path.Combine(d, Tar)), Tar),
        ["artifact: deleted"] = (d => File.Delete(Path.Combine(d, Dump)), Dump),
        ["artifact: emptied"] = (d => File.WriteAllBytes(Path.Combine(d, Tar), []), Tar),
        ["artifact: swapped with the other one"] = (d => Swap(Path.Combine(d, Tar), Path.Combine(d, Dump)), Tar),
        ["artifact: replaced by a directory"] = (d => { File.Delete(Path.Combine(d, Dump)); Directory.CreateDirectory(Path.Combine(d, Dump)); }, Dump),
    };

    private readonly Storage.TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero));

    private SetStore Store => StoreTestSupport.Local(_directory.Path);

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Fact]
    public void Cases_AreMany() => Cases.Should().HaveCountGreaterThanOrEqualTo(20);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Verify_TamperedSet_FailsSayingWhat(string name)
    {
        var (tamper, expected) = Cases[name];
        var written = await new TestSet()
            .Tar("volume-data", Archive)
            .Dump(Dump, MysqlDump, MysqlKind.Mysql, SqlDumps.Sql, "app")
            .WriteAsync(Store);
        var sound = await Runner().RunAsync(written, drill: false, CancellationToken.None, record: false);
        sound.Succeeded.Should().BeTrue(sound.Details);

        tamper(_directory.Combine(written.Set.Job, written.Set.DirectoryName));
        var reloaded = (await StoreTestSupport.ListAsync(Store, written.Set.Job)).Single(s => s.RunId == written.Set.RunId);
        var result = await Runner().RunAsync(written with { Set = reloaded }, drill: false, CancellationToken.None, record: false);

        result.Succeeded.Should().BeFalse($"'{name}' must not pass; details: {result.Details}");
        result.Details.Should().Contain(expected);
    }

    private VerificationRunner Runner() => new(null, "helper:latest", string.Empty, _time, Serilog.Core.Logger.None);

    private static void EditSums(string directory, string file, Func<string, string> hash) =>
        EditLines(directory, BackupSetLayout.ChecksumsFileName, line => true, line =>
            line.EndsWith("  " + file, StringComparison.Ordinal) ? hash(line[..64]) + line[64..] : line);

    private static void EditLines(string directory, string file, Func<string, bool> keep, Func<string, string>? change = null)
    {
        var path = Path.Combine(directory, file);
        var lines = File.ReadAllLines(path).Where(keep).Select(change ?? (l => l));
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
    }

    private static void EditManifest(string directory, Func<BackupManifest, BackupManifest> edit)
    {
        var path = Path.Combine(directory, BackupSetLayout.ManifestFileName);
        var manifest = ManifestSerializer.Deserialize(File.ReadAllBytes(path));
        File.WriteAllBytes(path, ManifestSerializer.SerializeToUtf8Bytes(edit(manifest)));
    }

    private static void FlipByte(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }

    private static void Truncate(string path)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    }

    private static void Swap(string a, string b)
    {
        var temporary = a + ".swap";
        File.Move(a, temporary);
        File.Move(b, a);
        File.Move(temporary, b);
    }
}
