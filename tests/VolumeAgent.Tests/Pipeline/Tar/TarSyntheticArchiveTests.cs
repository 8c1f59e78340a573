using System.Security.Cryptography;
using VolumeAgent.Pipeline;
using VolumeAgent.Pipeline.Tar;
using Formats = System.Formats.Tar;

namespace VolumeAgent.Tests.Pipeline.Tar;

/// <summary>Archives written by .NET's own tar writer, for header forms the host tools do not produce on demand.</summary>
public sealed class TarSyntheticArchiveTests
{
    [Fact]
    public async Task Read_TwentyThousandEntries_RecordsEachAndStaysReadableByTarReader()
    {
        const int count = 20_000;
        using var archive = new MemoryStream();
        await using (var writer = new Formats.TarWriter(archive, Formats.TarEntryFormat.Pax, leaveOpen: true))
        {
            for (var i = 0; i < count; i++)
            {
                var entry = new Formats.PaxTarEntry(Formats.TarEntryType.RegularFile, $"d{i % 100}/f{i}.dat")
                {
                    DataStream = new MemoryStream(BitConverter.GetBytes(i)),
                };
                await writer.WriteEntryAsync(entry);
            }
        }

        archive.Position = 0;
        await using var filter = new TarFilterStream(archive, ["d1/*"], leaveOpen: true);
        using var filtered = new MemoryStream();
        await filter.CopyToAsync(filtered);

        filter.Entries.Should().HaveCount(count - (count / 100));
        filter.Entries[^1].ContentSha256.ToString().Should().Be(Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(count - 1))));
        filtered.Position = 0;
        var read = 0;
        await using (var reader = new Formats.TarReader(filtered))
        {
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                entry.Name.Should().NotStartWith("d1/");
                read++;
            }
        }

        read.Should().Be(count - (count / 100));
    }

    [Fact]
    public async Task Read_PaxHeaders_OverrideHeaderFieldsAndGlobalHeaderApplies()
    {
        var longName = "pax/" + string.Join('/', Enumerable.Repeat("segment-of-twenty-ch", 10)) + "/final.txt";
        var longLink = "target/" + new string('t', 150);
        var archive = new RawTarBuilder()
            .Pax('g', ("gid", "4242"), ("uname", "backup"))
            .Pax('x', ("path", longName), ("uid", "3000000000"), ("mtime", "1700000001.25"))
            .Entry('0', "truncated-name", "pax\n"u8.ToArray())
            .Pax('x', ("linkpath", longLink))
            .Entry('2', "pax/link", gid: 7)
            .Pax('x', ("size", "5000"))
            .Entry('0', "pax/skip.tmp", new byte[5000])
            .Finish();
        // The last header says size 5000 in the pax record only: patch its ustar size field to 0 to prove pax wins.
        var lastHeader = archive.Length - 1024 - 5120 - 512;
        "00000000000\0"u8.CopyTo(archive.AsSpan(lastHeader + 124));
        FixChecksum(archive.AsSpan(lastHeader, 512));

        await using var filter = new TarFilterStream(new MemoryStream(archive), ["*.tmp"]);
        using var filtered = new MemoryStream();
        await filter.CopyToAsync(filtered);

        filter.Entries.Should().HaveCount(2);
        filter.Entries[0].Should().Match<TarEntryInfo>(entry =>
            entry.Path == longName && entry.Uid == 3_000_000_000 && entry.Gid == 4242 && entry.ModifiedUnixSeconds == 1_700_000_001);
        filter.Entries[1].Should().Match<TarEntryInfo>(entry => entry.LinkTarget == longLink && entry.Gid == 4242);
        filter.ExcludedCount.Should().Be(1);
        filtered.ToArray()[156].Should().Be((byte)'g', "a global header is never dropped");
        using var temp = new TempDirectory();
        await File.WriteAllBytesAsync(temp.File("out.tar"), filtered.ToArray());
        var listing = await HostTool.RunCheckedAsync("/usr/bin/tar", ["--numeric-owner", "-tvf", temp.File("out.tar")]);
        listing.StdoutLines.Should().HaveCount(2);
        listing.StdoutLines.First().Should().Contain("3000000000/4242").And.EndWith(longName);
        listing.StdoutLines.Last().Should().EndWith("pax/link -> " + longLink);
    }

    [Fact]
    public async Task Read_Base256Uid_ReadsTheBinaryNumber()
    {
        var archive = new RawTarBuilder().Entry('0', "big-uid", "x"u8.ToArray(), uid: 5_000_000_000, base256Uid: true).Finish();

        await using var filter = new TarFilterStream(new MemoryStream(archive));
        await filter.CopyToAsync(Stream.Null);

        filter.Entries.Should().ContainSingle().Which.Uid.Should().Be(5_000_000_000);
    }

    [Fact]
    public async Task Read_LongNameHeaderBeforeEndOfArchive_ThrowsTarFormatException()
    {
        var archive = new RawTarBuilder().Entry('L', "././@LongLink", "orphan-name\0"u8.ToArray()).Finish();

        var act = async () =>
        {
            await using var filter = new TarFilterStream(new MemoryStream(archive));
            await filter.CopyToAsync(Stream.Null);
        };

        await act.Should().ThrowAsync<TarFormatException>();
    }

    [Fact]
    public async Task Read_UstarPrefixField_JoinsPrefixAndName()
    {
        var name = new string('p', 90) + "/" + new string('q', 40) + "/leaf.txt";
        using var archive = new MemoryStream();
        await using (var writer = new Formats.TarWriter(archive, Formats.TarEntryFormat.Ustar, leaveOpen: true))
        {
            await writer.WriteEntryAsync(new Formats.UstarTarEntry(Formats.TarEntryType.RegularFile, name) { DataStream = new MemoryStream("u"u8.ToArray()) });
        }

        archive.Position = 0;
        await using var filter = new TarFilterStream(archive, leaveOpen: true);
        await filter.CopyToAsync(Stream.Null);

        filter.Entries.Should().ContainSingle().Which.Path.Should().Be(name);
    }

    [Fact]
    public async Task Pipeline_WithInspector_DigestEqualsFilterDigestOfTheSameArchive()
    {
        using var tree = await SampleTree.CreateAsync();
        var archive = await File.ReadAllBytesAsync(await tree.ArchiveAsync("gnu", "in.tar"));
        using var inspector = new TarInspector();
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);

        var result = await pipeline.RunAsync(new MemoryStream(archive), new CountingNullStream(), CompressionKind.Zstd, null, inspector, CancellationToken.None);
        await using var filter = new TarFilterStream(new MemoryStream(archive));
        await filter.CopyToAsync(Stream.Null);

        result.RawBytes.Should().Be(archive.Length);
        inspector.IsComplete.Should().BeTrue();
        inspector.TreeDigest.Should().Be(filter.TreeDigest);
        inspector.Entries.Should().HaveCount(filter.Entries.Count);
    }

    [Fact]
    public async Task Pipeline_FilterAsSource_StoresFilteredArchiveThatHostTarReads()
    {
        using var tree = await SampleTree.CreateAsync();
        var archive = await tree.ArchiveAsync("busybox", "in.tar");
        var stored = Path.Combine(tree.WorkDirectory, "volume.tar.gz");
        var pipeline = new ArtifactPipeline(TimeProvider.System, threads: 2);

        await using (var filter = new TarFilterStream(File.OpenRead(archive), SampleTree.ExcludePatterns))
        await using (var destination = File.Create(stored))
        {
            var result = await pipeline.RunAsync(filter, destination, CompressionKind.Gzip, null, CancellationToken.None);
            result.RawBytes.Should().Be(filter.FilteredBytes);
            filter.ExcludedCount.Should().Be(SampleTree.ExcludedPaths.Length);
        }

        var listing = await HostTool.RunCheckedAsync("/usr/bin/tar", ["-tzf", stored]);
        listing.StdoutLines.Select(TarExcludeMatcher.NormalizePath).Should().Contain("a/b/c/deep.txt").And.NotContain("top.tmp");
    }

    private static void FixChecksum(Span<byte> header)
    {
        header.Slice(148, 8).Fill((byte)' ');
        long sum = 0;
        foreach (var b in header)
        {
            sum += b;
        }

        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0')).CopyTo(header[148..]);
        header[154] = 0;
    }
}
