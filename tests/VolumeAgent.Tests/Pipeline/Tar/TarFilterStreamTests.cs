using VolumeAgent.Pipeline.Tar;

namespace VolumeAgent.Tests.Pipeline.Tar;

public sealed class TarFilterStreamTests
{
    private const string GnuTar = "/usr/bin/tar";

    [Theory]
    [InlineData("gnu")]
    [InlineData("gnu-pax")]
    [InlineData("busybox")]
    public async Task Read_WithExcludes_GnuTarListsAndExtractsOnlyKeptEntries(string producer)
    {
        using var tree = await SampleTree.CreateAsync();
        var archive = await tree.ArchiveAsync(producer, "in.tar");
        var filtered = Path.Combine(tree.WorkDirectory, "out.tar");

        await using (var filter = new TarFilterStream(File.OpenRead(archive), SampleTree.ExcludePatterns))
        await using (var output = File.Create(filtered))
        {
            await filter.CopyToAsync(output);
            filter.IsComplete.Should().BeTrue();
            filter.ExcludedCount.Should().Be(SampleTree.ExcludedPaths.Length);
        }

        var listing = (await HostTool.RunCheckedAsync(GnuTar, ["-tf", filtered])).StdoutLines
            .Select(TarExcludeMatcher.NormalizePath).ToList();
        listing.Should().NotIntersectWith(SampleTree.ExcludedPaths);
        listing.Should().Contain(["cache", "logs", "empty", "a/link", "a/hard", "with space/é 日本.txt", SampleTree.LongPath]);

        var extracted = Path.Combine(tree.WorkDirectory, "extracted");
        Directory.CreateDirectory(extracted);
        await HostTool.RunCheckedAsync(GnuTar, ["-C", extracted, "-xf", filtered]);
        foreach (var kept in new[] { "a/b/c/deep.txt", "a/big.bin", "a/hard", "with space/é 日本.txt", SampleTree.LongPath, "a/run.sh" })
        {
            (await File.ReadAllBytesAsync(Path.Combine(extracted, kept))).Should().Equal(await File.ReadAllBytesAsync(tree.FullPath(kept)), kept);
        }

        new FileInfo(Path.Combine(extracted, "a/link")).LinkTarget.Should().Be("b/c/deep.txt");
        Directory.EnumerateFileSystemEntries(Path.Combine(extracted, "cache")).Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(Path.Combine(extracted, "logs")).Should().BeEmpty();
        Directory.Exists(Path.Combine(extracted, "empty")).Should().BeTrue();
        File.Exists(Path.Combine(extracted, "top.tmp")).Should().BeFalse();
    }

    [Theory]
    [InlineData("gnu")]
    [InlineData("busybox")]
    public async Task Read_NoExcludes_OutputIsTheSameArchiveUpToRecordPadding(string producer)
    {
        using var tree = await SampleTree.CreateAsync();
        var archive = await File.ReadAllBytesAsync(await tree.ArchiveAsync(producer, "in.tar"));

        using var output = new MemoryStream();
        await using (var filter = new TarFilterStream(new MemoryStream(archive)))
        {
            await filter.CopyToAsync(output);
        }

        var endOfEntries = FindEndOfArchive(archive);
        output.ToArray().AsSpan(0, endOfEntries).SequenceEqual(archive.AsSpan(0, endOfEntries)).Should().BeTrue();
        output.Length.Should().Be(RoundUp(endOfEntries + 1024, TarStreamParser.RecordSize));
    }

    [Fact]
    public async Task Entries_SampleTree_DescribeEachEntryWithNormalizedPathsAndContentHashes()
    {
        using var tree = await SampleTree.CreateAsync();
        var archive = await tree.ArchiveAsync("gnu", "in.tar");

        var entries = await ReadEntriesAsync(archive, excludes: null);

        var byPath = entries.ToDictionary(entry => entry.Path);
        byPath["."].Type.Should().Be(TarEntryType.Directory);
        byPath["empty"].Type.Should().Be(TarEntryType.Directory);
        byPath["a/b/c/deep.txt"].Should().Match<TarEntryInfo>(entry =>
            entry.Type == TarEntryType.File && entry.Size == 13 && entry.LinkTarget == null);
        byPath["a/b/c/deep.txt"].ContentSha256.ToString().Should().Be(tree.Sha256Of("a/b/c/deep.txt"));
        byPath["a/big.bin"].ContentSha256.ToString().Should().Be(tree.Sha256Of("a/big.bin"));
        byPath["a/big.bin"].Size.Should().Be(1_234_567);
        byPath["a/empty-file"].ContentSha256.ToString().Should().Be(tree.Sha256Of("a/empty-file"));
        byPath["a/link"].Should().Match<TarEntryInfo>(entry => entry.Type == TarEntryType.Symlink && entry.LinkTarget == "b/c/deep.txt" && entry.Size == 0);
        byPath["a/hard"].Should().Match<TarEntryInfo>(entry => entry.Type == TarEntryType.HardLink && entry.LinkTarget == "a/b/c/deep.txt");
        byPath["a/b/secret.conf"].Mode.Should().Be(Convert.ToInt32("640", 8));
        byPath["a/run.sh"].Mode.Should().Be(Convert.ToInt32("755", 8));
        byPath["with space/é 日本.txt"].ContentSha256.ToString().Should().Be(tree.Sha256Of("with space/é 日本.txt"));
        byPath[SampleTree.LongPath].ContentSha256.ToString().Should().Be(tree.Sha256Of(SampleTree.LongPath));
        entries.Should().OnlyContain(entry => entry.Uid == 0 && entry.Gid == 0 && entry.ModifiedUnixSeconds > 1_600_000_000);
        entries.Should().HaveCount(Directory.EnumerateFileSystemEntries(tree.Root, "*", SearchOption.AllDirectories).Count() + 1);
    }

    [Fact]
    public async Task TreeDigest_SameTreeFromGnuPaxAndBusyboxTar_IsIdentical()
    {
        using var tree = await SampleTree.CreateAsync();

        var gnu = await DigestAsync(await tree.ArchiveAsync("gnu", "gnu.tar"), SampleTree.ExcludePatterns);
        var pax = await DigestAsync(await tree.ArchiveAsync("gnu-pax", "pax.tar"), SampleTree.ExcludePatterns);
        var busybox = await DigestAsync(await tree.ArchiveAsync("busybox", "busybox.tar"), SampleTree.ExcludePatterns);

        gnu.Should().MatchRegex("^sha256:[0-9a-f]{64}$");
        pax.Should().Be(gnu);
        busybox.Should().Be(gnu);
    }

    [Theory]
    [InlineData("content")]
    [InlineData("mode")]
    [InlineData("symlink")]
    [InlineData("new-empty-dir")]
    public async Task TreeDigest_TreeChanged_Differs(string change)
    {
        using var tree = await SampleTree.CreateAsync();
        var before = await DigestAsync(await tree.ArchiveAsync("gnu", "before.tar"), null);

        switch (change)
        {
            case "content":
                await File.WriteAllTextAsync(tree.FullPath("a/b/c/deep.txt"), "deep contenT\n");
                break;
            case "mode":
                await tree.ChmodAsync("700", "a/run.sh");
                break;
            case "symlink":
                File.Delete(tree.FullPath("a/link"));
                File.CreateSymbolicLink(tree.FullPath("a/link"), "b/secret.conf");
                break;
            default:
                Directory.CreateDirectory(tree.FullPath("empty/inner"));
                break;
        }

        var after = await DigestAsync(await tree.ArchiveAsync("gnu", "after.tar"), null);

        after.Should().NotBe(before);
    }

    [Fact]
    public async Task TreeDigest_ExcludedFileChanged_Unchanged()
    {
        using var tree = await SampleTree.CreateAsync();
        var before = await DigestAsync(await tree.ArchiveAsync("gnu", "before.tar"), SampleTree.ExcludePatterns);

        await File.WriteAllTextAsync(tree.FullPath("cache/blob.bin"), "different cache\n");
        var after = await DigestAsync(await tree.ArchiveAsync("gnu", "after.tar"), SampleTree.ExcludePatterns);

        after.Should().Be(before);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(700)]
    public async Task Read_InputArrivesInSmallPieces_SameOutputAndDigest(int maxRead)
    {
        using var tree = await SampleTree.CreateAsync();
        var archive = await File.ReadAllBytesAsync(await tree.ArchiveAsync("gnu-pax", "in.tar"));

        var (whole, wholeDigest) = await FilterAsync(new MemoryStream(archive), SampleTree.ExcludePatterns);
        var (trickled, trickledDigest) = await FilterAsync(new TrickleStream(new MemoryStream(archive), maxRead), SampleTree.ExcludePatterns);

        trickled.Should().Equal(whole);
        trickledDigest.Should().Be(wholeDigest);
    }

    [Fact]
    public async Task Read_HardLinkTargetExcluded_DropsTheLinkAndReportsIt()
    {
        using var tree = await SampleTree.CreateAsync();
        var archive = await tree.ArchiveAsync("gnu", "in.tar");
        var filtered = Path.Combine(tree.WorkDirectory, "out.tar");

        await using (var filter = new TarFilterStream(File.OpenRead(archive), ["a/b/c/deep.txt"]))
        await using (var output = File.Create(filtered))
        {
            await filter.CopyToAsync(output);
            filter.OrphanedHardLinks.Should().Equal("a/hard");
            filter.Entries.Select(entry => entry.Path).Should().NotContain(["a/hard", "a/b/c/deep.txt"]);
        }

        var extracted = Path.Combine(tree.WorkDirectory, "extracted");
        Directory.CreateDirectory(extracted);
        await HostTool.RunCheckedAsync(GnuTar, ["-C", extracted, "-xf", filtered]);
    }

    [Fact]
    public async Task Read_DirectoryPatternWithoutWildcard_DropsTheDirectoryAndEverythingBelow()
    {
        using var tree = await SampleTree.CreateAsync();
        var archive = await tree.ArchiveAsync("busybox", "in.tar");

        var entries = await ReadEntriesAsync(archive, ["a/b"]);

        entries.Select(entry => entry.Path).Should().NotContain(path => path == "a/b" || path.StartsWith("a/b/", StringComparison.Ordinal));
        entries.Select(entry => entry.Path).Should().Contain(["a", "a/big.bin", "a/link"]);
    }

    [Fact]
    public async Task TreeDigest_BeforeTheEnd_Throws()
    {
        using var tree = await SampleTree.CreateAsync();
        await using var filter = new TarFilterStream(File.OpenRead(await tree.ArchiveAsync("gnu", "in.tar")));
        await filter.ReadExactlyAsync(new byte[1024]);

        var act = () => filter.TreeDigest;

        act.Should().Throw<InvalidOperationException>();
    }

    internal static async Task<List<TarEntryInfo>> ReadEntriesAsync(string archive, string[]? excludes)
    {
        await using var filter = new TarFilterStream(File.OpenRead(archive), excludes);
        await filter.CopyToAsync(Stream.Null);
        return [.. filter.Entries];
    }

    private static async Task<string> DigestAsync(string archive, string[]? excludes)
    {
        await using var filter = new TarFilterStream(File.OpenRead(archive), excludes);
        await filter.CopyToAsync(Stream.Null);
        return filter.TreeDigest;
    }

    private static async Task<(byte[] Output, string Digest)> FilterAsync(Stream input, string[] excludes)
    {
        await using var filter = new TarFilterStream(input, excludes);
        using var output = new MemoryStream();
        await filter.CopyToAsync(output);
        return (output.ToArray(), filter.TreeDigest);
    }

    private static int FindEndOfArchive(byte[] archive)
    {
        // The first all-zero block: no content block of the sample tree is all zeros.
        for (var offset = 0; offset < archive.Length; offset += 512)
        {
            if (!archive.AsSpan(offset, 512).ContainsAnyExcept((byte)0))
            {
                return offset;
            }
        }

        return archive.Length;
    }

    private static long RoundUp(long value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
