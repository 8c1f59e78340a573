using VolumeAgent.Pipeline.Tar;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>
/// Compares two archived trees entry by entry (path, type, mode, owner, size, content, link target; times
/// aside). Hard links are compared as the file they link to: which of two linked names a tar program stores
/// as the file and which as the link depends on the order it met them, which differs between a volume and its
/// restored copy.
/// </summary>
internal static class TreeComparison
{
    private const int ListedDifferences = 3;

    /// <summary>Null when the trees are equal, else the first differences in words.</summary>
    public static string? Compare(IReadOnlyList<TarEntryInfo> expected, IReadOnlyList<TarEntryInfo> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var left = Resolve(expected);
        var right = Resolve(actual);
        var differences = new List<string>();
        var count = 0;
        foreach (var path in left.Keys.Union(right.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var a = left.GetValueOrDefault(path);
            var b = right.GetValueOrDefault(path);
            var difference = (a, b) switch
            {
                (null, _) => $"'{path}' is in the restored tree but not in the backup",
                (_, null) => $"'{path}' is in the backup but missing from the restored tree",
                _ => Describe(a, b),
            };
            if (difference is not null)
            {
                count++;
                if (differences.Count < ListedDifferences)
                {
                    differences.Add(difference);
                }
            }
        }

        return count == 0 ? null : $"{count} entr{(count == 1 ? "y differs" : "ies differ")}: {string.Join("; ", differences)}{(count > ListedDifferences ? "; …" : string.Empty)}.";
    }

    /// <summary>The tree's entries by path, each hard link replaced by the entry it links to (under its own path).</summary>
    internal static Dictionary<string, TarEntryInfo> Resolve(IReadOnlyList<TarEntryInfo> entries)
    {
        var byPath = new Dictionary<string, TarEntryInfo>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            byPath[entry.Path] = entry;
        }

        foreach (var entry in entries)
        {
            if (entry.Type != TarEntryType.HardLink)
            {
                continue;
            }

            var target = entry;
            for (var hops = 0; target.Type == TarEntryType.HardLink && hops < 64 && byPath.TryGetValue(target.LinkTarget ?? string.Empty, out var next); hops++)
            {
                target = next;
            }

            byPath[entry.Path] = target with { Path = entry.Path };
        }

        // The hard-link targets themselves stay as they were; links to links have been followed above.
        return byPath;
    }

    private static string? Describe(TarEntryInfo a, TarEntryInfo b)
    {
        var fields = new List<string>();
        if (a.Type != b.Type)
        {
            fields.Add($"type {a.Type} → {b.Type}");
        }

        if (a.Mode != b.Mode)
        {
            fields.Add($"mode {Convert.ToString(a.Mode, 8)} → {Convert.ToString(b.Mode, 8)}");
        }

        if (a.Uid != b.Uid || a.Gid != b.Gid)
        {
            fields.Add($"owner {a.Uid}:{a.Gid} → {b.Uid}:{b.Gid}");
        }

        if (a.Size != b.Size)
        {
            fields.Add($"size {a.Size} → {b.Size}");
        }
        else if (a.ContentSha256 != b.ContentSha256)
        {
            fields.Add("content");
        }

        if (!string.Equals(a.LinkTarget, b.LinkTarget, StringComparison.Ordinal) && a.Type != TarEntryType.HardLink)
        {
            fields.Add($"link target '{a.LinkTarget}' → '{b.LinkTarget}'");
        }

        return fields.Count == 0 ? null : $"'{a.Path}' differs in {string.Join(", ", fields)}";
    }
}
