using System.Security.Cryptography;
using System.Text;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// One SHA-256 over an archive's sorted canonical entry lines: equal for archives of the same tree whatever
/// the order of entries or the tar program, different when a path, type, mode, owner, size, link or file
/// content differs. Modification times are left out so a restored tree compares equal to its source.
/// The value carries its algorithm ("sha256:" + hex), as manifest.json's tree_digest is documented to.
/// </summary>
internal static class TarTreeDigest
{
    public const string Prefix = "sha256:";

    public static string Compute(IEnumerable<TarEntryInfo> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var lines = entries.Select(entry => entry.ToCanonicalLine()).ToList();
        lines.Sort(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024];
        foreach (var line in lines)
        {
            var needed = Encoding.UTF8.GetMaxByteCount(line.Length) + 1;
            if (buffer.Length < needed)
            {
                buffer = new byte[needed];
            }

            var length = Encoding.UTF8.GetBytes(line, buffer);
            buffer[length] = (byte)'\n';
            hash.AppendData(buffer, 0, length + 1);
        }

        return Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
