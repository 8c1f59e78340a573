using System.Text;
using VolumeAgent.Policy;
using VolumeAgent.Sources.Postgres;

namespace VolumeAgent.Tests.Policy;

/// <summary>backup.yml's bytes: strict UTF-8 with each bad byte located, and a size cap checked before reading.</summary>
public sealed class PolicyFileReaderTests : IDisposable
{
    private const string Head = "storage:\n  local: { type: local, path: /backups }\njobs:\n  j:\n    sources:\n";
    private readonly string _directory = Directory.CreateTempSubdirectory("va-policy-file-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadFile_InvalidUtf8InAPassword_IsRefusedAtItsLineAndColumn()
    {
        var path = Write([.. Utf8(Head + "      - postgres: db\n        password: s"), 0xE9, .. Utf8("cret\n")]);

        var problem = LoadFailure(path).Problems.Should().ContainSingle().Subject;

        problem.Should().Be(new PolicyProblem(7, 20, string.Empty, problem.Message));
        problem.Message.Should().Contain("invalid UTF-8 (0xE9)").And.Contain("save it as UTF-8");
    }

    [Fact]
    public void LoadFile_SeveralInvalidSequences_ReportsEachWhereItIs()
    {
        // Line 6: "é" (two bytes, one column) then a lone continuation byte; line 7: a cut-off three-byte
        // sequence; line 8: an overlong "/" and a byte that is never UTF-8.
        byte[] bytes =
        [
            .. Utf8(Head + "      - volume: \"é"), 0x80, .. Utf8("x\"\n"),
            .. Utf8("      - path: /a"), 0xE2, 0x82, .. Utf8("b\n"),
            .. Utf8("      - path: /"), 0xC0, 0xAF, .. Utf8("c"), 0xFF, .. Utf8("\n"),
        ];

        var failure = LoadFailure(Write(bytes));

        failure.Problems.Select(p => (p.Line, p.Column)).Should().Equal((6, 19), (7, 17), (8, 16), (8, 17), (8, 19));
        failure.Problems[0].Message.Should().Contain("(0x80)");
        failure.Problems[1].Message.Should().Contain("(0xE2 0x82)");
        failure.Problems[4].Message.Should().Contain("(0xFF)");
        failure.Message.Should().Contain($"{Path.Combine(_directory, "backup.yml")}:7:17 invalid UTF-8");
    }

    [Fact]
    public void LoadFile_ValidUtf8WithByteOrderMark_ReadsEveryCharacterExactly()
    {
        var path = Write([0xEF, 0xBB, 0xBF, .. Utf8(Head + "      - postgres: db\n        password: \"é日本🔑\"\n")]);

        var policy = PolicyLoader.LoadFile(path, FakePolicyEnvironment.Empty());

        policy.Jobs.Single().Sources.OfType<PostgresSource>().Single().Password!.Reveal().Should().Be("é日本🔑");
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0xFE, 0xFF })]
    public void LoadFile_Utf16_IsRefusedSayingToSaveItAsUtf8(byte[] byteOrderMark)
    {
        var path = Write([.. byteOrderMark, .. Encoding.Unicode.GetBytes(Head)]);

        LoadFailure(path).Problems.Should().ContainSingle().Which.Message.Should().Contain("UTF-16").And.Contain("save it as UTF-8");
    }

    [Fact]
    public void LoadFile_LargerThanTheCap_IsRefusedWithItsSizeBeforeItIsRead()
    {
        // Sparse: three gigabytes that a read of the whole file could not even hold in one string.
        var path = Path.Combine(_directory, "backup.yml");
        using (var file = File.Create(path))
        {
            file.SetLength(3L * 1024 * 1024 * 1024);
        }

        var problem = LoadFailure(path).Problems.Should().ContainSingle().Subject;

        problem.Line.Should().Be(0);
        problem.Message.Should().Contain("3.2 GB (3221225472 bytes)").And.Contain("at most 1 MiB (1048576 bytes)");
    }

    [Fact]
    public void LoadFile_ExactlyAtTheCap_IsRead()
    {
        var text = Head + "      - volume: data\n";
        var path = Write(Utf8(text + "#" + new string('x', PolicyFileReader.MaxBytes - Encoding.UTF8.GetByteCount(text) - 1)));

        PolicyLoader.LoadFile(path, FakePolicyEnvironment.Empty()).Jobs.Should().ContainSingle();
    }

    [Fact]
    public void LoadFile_EndlessDevice_IsRefusedAfterReadingOneByteMoreThanTheCap()
    {
        LoadFailure("/dev/zero").Problems.Should().ContainSingle().Which.Message.Should().Contain("larger than that").And.Contain("at most 1 MiB");
    }

    [Fact]
    public void LoadFile_SecretFileWithInvalidUtf8_IsReportedWithoutItsContent()
    {
        var secret = Path.Combine(_directory, "pg-password");
        File.WriteAllBytes(secret, [.. Utf8("s"), 0xE9, .. Utf8("cret\n")]);
        var path = Write(Utf8(Head + $"      - postgres: db\n        password_file: {secret}\n"));

        var problem = LoadFailure(path, new PolicyEnvironment { GetVariable = _ => null }).Problems.Should().ContainSingle().Subject;

        problem.Path.Should().Be("jobs.j.sources[0].password_file");
        problem.Message.Should().Contain($"cannot read the password from '{secret}'").And.Contain("not UTF-8").And.NotContain("cret");
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static PolicyException LoadFailure(string path, PolicyEnvironment? env = null)
    {
        var act = () => PolicyLoader.LoadFile(path, env ?? FakePolicyEnvironment.Empty());
        return act.Should().Throw<PolicyException>().Which;
    }

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(_directory, "backup.yml");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
