namespace VolumeAgent.IO;

/// <summary>
/// A path with every symbolic link resolved and every <c>.</c>, <c>..</c> and repeated <c>/</c> removed, as
/// realpath(3) gives it, so that one file reached by different paths (relative, through a linked folder) has one
/// name. Unlike realpath, a part that does not exist (yet) is kept as written instead of failing.
/// </summary>
internal static class RealPath
{
    /// <summary>The kernel's limit (MAXSYMLINKS) on links followed while resolving one path.</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// The real absolute path of <paramref name="path"/> (relative to the working directory). A <c>..</c> after a
    /// link leaves the link's target, as the kernel does. When links form a loop, the path as written, made absolute.
    /// </summary>
    public static string Of(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var absolute = Path.IsPathRooted(path) ? path : Directory.GetCurrentDirectory() + "/" + path;
        var pending = new Stack<string>();
        Push(pending, absolute);
        var resolved = new List<string>();
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var target = LinkTarget(Join(resolved, part));
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }

            if (++links > MaxLinks)
            {
                return Path.GetFullPath(absolute);
            }

            if (Path.IsPathRooted(target))
            {
                resolved.Clear();
            }

            Push(pending, target);
        }

        return Join(resolved, null);
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }

    private static string Join(List<string> parts, string? last) =>
        "/" + string.Join('/', last is null ? parts : [.. parts, last]);

    /// <summary>The target of the link at <paramref name="path"/>; null for anything else, a missing or an unreadable entry.</summary>
    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
