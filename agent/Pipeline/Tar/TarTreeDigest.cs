using System.Security.Cryptography;
using System.Text;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// One SHA-256 over an archive's sorted canonical entry lines: equal for archives of the same tree whatever
/// the order of entries or the tar program, different when a path, type, mode, owner, size, link or file
/// content differs. Modification times are left out so a restored tree compares equal to its source.
/// The value carries its algorithm ("sha256:" + hex), as manifest.json's tree_digest is documented to.
/// The entries are sorted as their lines sort (<see cref="CanonicalLineOrder"/>) and each line is made only when
/// it is hashed: a tree of 20,000 files no longer holds 20,000 lines (5 MiB) at once at the end of its archive.
/// </summary>
internal static class TarTreeDigest
{
    public const string Prefix = "sha256:";

    public static string Compute(IEnumerable<TarEntryInfo> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var sorted = entries.ToArray();
        Array.Sort(sorted, CanonicalLineOrder.Instance);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var line = new StringBuilder(256);
        var buffer = new byte[1024];
        foreach (var entry in sorted)
        {
            line.Clear();
            entry.AppendCanonicalLine(line);
            var needed = Encoding.UTF8.GetMaxByteCount(line.Length) + 1;
            if (buffer.Length < needed)
            {
                buffer = new byte[needed];
            }

            var length = 0;
            foreach (var chunk in line.GetChunks())
            {
                length += Encoding.UTF8.GetBytes(chunk.Span, buffer.AsSpan(length));
            }

            buffer[length] = (byte)'\n';
            hash.AppendData(buffer, 0, length + 1);
        }

        return Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
