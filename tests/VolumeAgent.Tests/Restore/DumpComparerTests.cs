using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;

namespace VolumeAgent.Tests.Restore;

public sealed class DumpComparerTests
{
    private const string Backup = """
        --
        -- PostgreSQL database dump
        --

        \restrict AAAAAAAAAA

        -- Dumped from database version 15.20
        SET statement_timeout = 0;

        CREATE TABLE public.t (
            a integer,
            b text
        );

        COPY public.t (a, b) FROM stdin;
        1	--not a comment
        2	

        3	x
        \.


        COPY public.u (a) FROM stdin;
        \.

        --
        -- PostgreSQL database dump complete
        --

        \unrestrict AAAAAAAAAA
        """;

    [Fact]
    public async Task CompareAsync_SameSqlWithOtherCommentsBlankLinesAndRestrictKeys_IsIdenticalWithRowCounts()
    {
        var restored = Backup
            .Replace("15.20", "15.21", StringComparison.Ordinal)
            .Replace("AAAAAAAAAA", "BBBBBBBBBB", StringComparison.Ordinal)
            .Replace("SET statement_timeout = 0;\n", "\n\n-- another comment\nSET statement_timeout = 0;\n", StringComparison.Ordinal);

        var result = await CompareAsync(Backup, restored);

        result.Identical.Should().BeTrue(result.Difference);
        result.RestoredRows.Should().Equal(new Dictionary<string, long> { ["public.t"] = 4, ["public.u"] = 0 });
        result.BackupRows.Should().Equal(result.RestoredRows);
        result.Lines.Should().BeGreaterThan(10);
    }

    [Fact]
    public async Task CompareAsync_RowThatLooksLikeACommentDiffers_IsFoundInTheCopyData()
    {
        var restored = Backup.Replace("1\t--not a comment", "1\t--changed", StringComparison.Ordinal);

        var result = await CompareAsync(Backup, restored);

        result.Difference.Should().Contain("table public.t, row 1").And.Contain("--not a comment").And.Contain("--changed");
    }

    [Fact]
    public async Task CompareAsync_EmptyRowMissing_IsADifferenceWithRowCounts()
    {
        var restored = Backup.Replace("2\t\n\n3\tx", "2\t\n3\tx", StringComparison.Ordinal);

        var result = await CompareAsync(Backup, restored);

        result.Identical.Should().BeFalse();
        result.Difference.Should().Contain("table public.t, row 3").And.Contain("public.t 4 in the backup, 3 restored");
    }

    [Fact]
    public async Task CompareAsync_RestoredDumpEndsEarly_SaysWhereTheBackupGoesOn()
    {
        var cut = Backup[..Backup.IndexOf("COPY public.u", StringComparison.Ordinal)];

        var result = await CompareAsync(Backup, cut);

        result.Difference.Should().Contain("ends where the backup goes on").And.Contain("COPY public.u (a) FROM stdin;");
    }

    [Fact]
    public async Task CompareAsync_StatementDiffers_QuotesBothLines()
    {
        var restored = Backup.Replace("    b text", "    b varchar(10)", StringComparison.Ordinal);

        var result = await CompareAsync(Backup, restored);

        result.Difference.Should().Contain("backup '    b text'").And.Contain("restored '    b varchar(10)'");
    }

    [Fact]
    public async Task CompareAsync_MysqlDumpsDifferingOnlyInTheirDates_AreIdentical()
    {
        const string first = "-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\n-- Host: localhost    Database: app\n/*!40101 SET NAMES utf8mb4 */;\nINSERT INTO `t` VALUES (1,'a'),(2,'b');\n-- Dump completed on 2026-11-21  2:00:01\n";
        var second = first.Replace("2:00:01", "4:13:59", StringComparison.Ordinal);

        (await CompareAsync(first, second)).Identical.Should().BeTrue();
    }

    [Theory]
    [InlineData("COPY public.t (a, b) FROM stdin;", "public.t")]
    [InlineData("COPY \"My Schema\".\"T\" (\"a b\") FROM stdin;", "\"My Schema\".\"T\"")]
    [InlineData("COPY public.nocolumns FROM stdin;", "public.nocolumns")]
    [InlineData("CREATE TABLE copy_of (a int);", null)]
    public void CopyTableOf_CopyStatement_NamesTheTable(string line, string? table) =>
        SqlLineCursor.CopyTableOf(line).Should().Be(table);

    private static Task<DumpComparison> CompareAsync(string backup, string restored) =>
        DumpComparer.CompareAsync(new StringReader(backup), new StringReader(restored), CancellationToken.None);
}
