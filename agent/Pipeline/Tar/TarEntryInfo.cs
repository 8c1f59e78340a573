using System.Globalization;
using System.Text;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// One entry of an archive, normalized so that archives of the same tree made by different tar programs
/// compare equal: the path has no leading "./" or "/" and no trailing "/", the mode holds permission bits only,
/// and size is the content length of regular files (0 otherwise).
/// </summary>
/// <param name="LinkTarget">Symlink target as stored, or hard link target normalized like a path; null otherwise.</param>
/// <param name="ContentSha256">SHA-256 of a regular file's content; null otherwise.</param>
/// <param name="ModifiedUnixSeconds">Modification time, whole seconds; kept for display, not part of the digest.</param>
internal sealed record TarEntryInfo(
    string Path,
    TarEntryType Type,
    int Mode,
    long Uid,
    long Gid,
    long Size,
    string? LinkTarget,
    ContentDigest? ContentSha256,
    long ModifiedUnixSeconds)
{
    /// <summary>The name exactly as the archive stores it, before normalization (a restore must refuse "/x" and "../x").</summary>
    public string? StoredPath { get; init; }

    /// <summary>A link's target exactly as the archive stores it; null for other entries.</summary>
    public string? StoredLinkTarget { get; init; }

    /// <summary>The header's type flag as stored ('3' a character device, '4' a block device, ...); not in the digest.</summary>
    public byte TypeFlag { get; init; }

    /// <summary>The line this entry contributes to the tree digest; fields are tab-separated and escaped.</summary>
    public string ToCanonicalLine()
    {
        var builder = new StringBuilder(Path.Length + 128);
        AppendCanonicalLine(builder);
        return builder.ToString();
    }

    /// <summary>Appends <see cref="ToCanonicalLine"/>'s line to <paramref name="builder"/>.</summary>
    public void AppendCanonicalLine(StringBuilder builder)
    {
        AppendEscaped(builder, Path);
        builder.Append('\t').Append(TypeName(Type));
        builder.Append('\t').Append(Convert.ToString(Mode, 8).PadLeft(4, '0'));
        builder.Append('\t').Append(Uid.ToString(CultureInfo.InvariantCulture));
        builder.Append('\t').Append(Gid.ToString(CultureInfo.InvariantCulture));
        builder.Append('\t').Append(Size.ToString(CultureInfo.InvariantCulture));
        builder.Append('\t');
        if (ContentSha256 is { } digest)
        {
            digest.AppendTo(builder);
        }
        else
        {
            builder.Append('-');
        }

        // An empty link field cannot be confused with a real target: Linux refuses empty symlinks.
        builder.Append('\t');
        AppendEscaped(builder, LinkTarget ?? string.Empty);
    }

    private static string TypeName(TarEntryType type) => type switch
    {
        TarEntryType.File => "file",
        TarEntryType.Directory => "dir",
        TarEntryType.Symlink => "symlink",
        TarEntryType.HardLink => "hardlink",
        _ => "other",
    };

    private static void AppendEscaped(StringBuilder builder, string value)
    {
        foreach (var c in value)
        {
            if (c == '\\')
            {
                builder.Append(@"\\");
            }
            else if (c < 0x20 || c == 0x7f)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                builder.Append(c);
            }
        }
    }
}
