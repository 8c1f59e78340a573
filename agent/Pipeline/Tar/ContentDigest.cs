using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// A file's SHA-256 held as its 32 bytes: a tree's entries are kept until its archive ends (for the tree digest),
/// and as a hex string each took 150 bytes of its own, 3 MiB for 20,000 files. Written out as lowercase hex.
/// </summary>
internal readonly record struct ContentDigest(UInt128 High, UInt128 Low)
{
    /// <summary>The digest <paramref name="hash"/> leaves, the hash reset for the next file.</summary>
    public static ContentDigest TakeFrom(IncrementalHash hash)
    {
        Span<byte> bytes = stackalloc byte[32];
        if (!hash.TryGetHashAndReset(bytes, out var written) || written != bytes.Length)
        {
            throw new InvalidOperationException("The content hash is not a SHA-256.");
        }

        return new ContentDigest(BinaryPrimitives.ReadUInt128BigEndian(bytes), BinaryPrimitives.ReadUInt128BigEndian(bytes[16..]));
    }

    /// <summary>The 64 lowercase hex digits, as <c>sha256sum</c> prints them.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(64);
        AppendTo(builder);
        return builder.ToString();
    }

    /// <summary>Appends <see cref="ToString"/>'s digits without making a string (a tree digest writes one per file).</summary>
    public void AppendTo(StringBuilder builder)
    {
        Span<byte> bytes = stackalloc byte[32];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, High);
        BinaryPrimitives.WriteUInt128BigEndian(bytes[16..], Low);
        Span<char> hex = stackalloc char[64];
        Convert.TryToHexStringLower(bytes, hex, out _);
        builder.Append(hex);
    }
}
