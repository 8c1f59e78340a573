using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>
/// A tree restored from a storage's snapshot against the snapshot's own list of its entries (restic's <c>ls</c>): path,
/// type, mode, owner and size; the contents are the storage's to check (restic's blobs are addressed by their hash).
/// </summary>
internal static class FileTreeComparison
{
    /// <summary>Null when the restored tree is the listed one, else the first differences in words.</summary>
    public static string? Compare(IReadOnlyList<FileTreeEntry> listed, IReadOnlyList<TarEntryInfo> restored)
    {
        ArgumentNullException.ThrowIfNull(listed);
        ArgumentNullException.ThrowIfNull(restored);
        var expected = listed.Select(e => new TarEntryInfo(e.Path, TypeOf(e.Type), e.Mode, e.Uid, e.Gid, e.Type == "file" ? e.Size : 0, null, null, 0)).ToList();
        var actual = TreeComparison.Resolve(restored).Values
            .Where(e => e.Path is not ("." or ""))
            .Select(e => e with { LinkTarget = null, ContentSha256 = null, StoredLinkTarget = null })
            .ToList();
        return TreeComparison.Compare(expected, actual);
    }

    private static TarEntryType TypeOf(string type) => type switch
    {
        "file" => TarEntryType.File,
        "dir" => TarEntryType.Directory,
        "symlink" => TarEntryType.Symlink,
        _ => TarEntryType.Other,
    };
}
