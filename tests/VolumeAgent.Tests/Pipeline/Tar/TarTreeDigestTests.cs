using System.Security.Cryptography;
using System.Text;
using VolumeAgent.Pipeline.Tar;

namespace VolumeAgent.Tests.Pipeline.Tar;

public class TarTreeDigestTests
{
    /// <summary>Characters whose order or escaping could go wrong: escapes, a tab, DEL, a slash, non-ASCII, a surrogate pair, U+E000.</summary>
    private static readonly string[] Pieces = ["a", "b", "ab", "/", "\\", "\t", "\n", "\u007f", "\u001f", " ", "~", "é", "😀", "\uE000", "x", "-"];

    /// <summary>The digest as it is defined: every canonical line made, sorted ordinally, hashed with a newline each.</summary>
    private static string Reference(IEnumerable<TarEntryInfo> entries)
    {
        var lines = entries.Select(e => e.ToCanonicalLine()).ToList();
        lines.Sort(StringComparer.Ordinal);
        var text = string.Concat(lines.Select(l => l + "\n"));
        return TarTreeDigest.Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static TarEntryInfo Entry(Random random, string path) => new(
        path,
        random.Next(3) switch { 0 => TarEntryType.File, 1 => TarEntryType.Directory, _ => TarEntryType.Symlink },
        random.Next(0, 0x1000),
        random.Next(0, 3),
        random.Next(0, 3),
        random.Next(0, 5),
        random.Next(4) == 0 ? "t\\" + path : null,
        random.Next(2) == 0 ? new ContentDigest((UInt128)random.NextInt64(), (UInt128)random.Next(10)) : null,
        0);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void SortsAndHashes_AsTheSortedLinesDo_ForPathsOfEveryKind(int seed)
    {
        var random = new Random(seed);
        var entries = new List<TarEntryInfo>();
        for (var i = 0; i < 3000; i++)
        {
            var path = string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => Pieces[random.Next(Pieces.Length)]));
            entries.Add(Entry(random, path));
            if (random.Next(10) == 0)
            {
                entries.Add(Entry(random, path)); // the same path twice: ordered by the rest of the line
            }

            if (random.Next(10) == 0)
            {
                entries.Add(Entry(random, path + Pieces[random.Next(Pieces.Length)])); // a path and a longer one it begins
            }
        }

        Assert.Equal(Reference(entries), TarTreeDigest.Compute(entries));
        Assert.Equal(Reference(entries), TarTreeDigest.Compute(Enumerable.Reverse(entries)));
    }

    [Fact]
    public void OrdersEntries_ExactlyAsTheirLinesCompare()
    {
        var random = new Random(7);
        var entries = Enumerable.Range(0, 400)
            .Select(_ => Entry(random, string.Concat(Enumerable.Range(0, random.Next(0, 4)).Select(_ => Pieces[random.Next(Pieces.Length)]))))
            .ToList();
        foreach (var x in entries)
        {
            foreach (var y in entries)
            {
                Assert.Equal(Math.Sign(string.CompareOrdinal(x.ToCanonicalLine(), y.ToCanonicalLine())), CanonicalLineOrder.Instance.Compare(x, y));
            }
        }
    }

    /// <summary>
    /// The digest of a fixed tree, worked out from the documented line format alone (path, type, octal mode, uid, gid,
    /// size, lowercase hex SHA-256 or "-", link; escaped; sorted; a newline each): sets written by earlier versions
    /// keep comparing equal.
    /// </summary>
    [Fact]
    public void Digest_OfAFixedTree_IsTheDocumentedOne()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("abc"u8);
        TarEntryInfo[] entries =
        [
            new("b", TarEntryType.Directory, 0x1ED, 0, 0, 0, null, null, 0),
            new("a\\b", TarEntryType.Symlink, 0x1FF, 1, 2, 0, "t\n", null, 0),
            new("a", TarEntryType.File, 0x1A4, 0, 0, 3, null, ContentDigest.TakeFrom(hash), 0),
        ];

        Assert.Equal("sha256:5ecb51ad19a54934d181f183e787e1d7122769d2216878bf4019f6a25c4a443e", TarTreeDigest.Compute(entries));
    }
}
